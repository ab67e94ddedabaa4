package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	seg "github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/store"
	"github.com/welllog/digitiser/services/segment"
)

// cmdModel runs `model upload DIR [--key K]`.
func cmdModel(args []string) error {
	fs := flag.NewFlagSet("model", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseS3|UseModels)
	key := fs.String("key", envDefault("MODEL_KEY", segment.DefaultModelKey),
		"model key in the models bucket; the card goes beside it (env DIGITISE_MODEL_KEY)")
	fs.Usage = usageFor(fs, "model upload DIR [--key K]",
		"Upload DIR/model.onnx and DIR/model.card.json (as written by training/) to\n"+
			"the models bucket under K and "+seg.CardName+" beside it. The segment stage\n"+
			"loads a model by its ETag, so a new upload is used by the next job or\n"+
			"`digitise rerun JOB --from segment`.")
	if err := parseArgs(fs, args, 2, "model upload DIR"); err != nil {
		return err
	}
	if fs.Arg(0) != "upload" {
		return fmt.Errorf("%w: unknown model command %q; want model upload DIR", errUsage,
			fs.Arg(0))
	}
	if !strings.HasSuffix(*key, ".onnx") {
		return fmt.Errorf("%w: --key %q: name the model file, e.g. %s", errUsage, *key,
			segment.DefaultModelKey)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := cfg.openStore()
	if err != nil {
		return err
	}
	keys, err := putModel(context.Background(), st, cfg.ModelsBucket, fs.Arg(1), *key)
	if err != nil {
		return err
	}
	for _, k := range keys {
		fmt.Printf("%s/%s\n", cfg.ModelsBucket, k)
	}
	return nil
}

// putModel uploads dir/model.onnx to key and dir/model.card.json beside
// it, the card first (so a model present means its card is too), and
// returns the keys written. Both files must exist.
func putModel(ctx context.Context, st store.Store, bucket, dir, key string) ([]string,
	error) {
	files := [][2]string{
		{filepath.Join(dir, seg.CardName), path.Join(path.Dir(key), seg.CardName)},
		{filepath.Join(dir, "model.onnx"), key},
	}
	var data [2][]byte
	for i, f := range files {
		b, err := os.ReadFile(f[0])
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s is missing: a model directory holds model.onnx "+
					"and %s (training/ writes both)", f[0], seg.CardName)
			}
			return nil, err
		}
		data[i] = b
	}
	var keys []string
	for i, f := range files {
		if err := store.PutBytes(ctx, st, bucket, f[1], data[i], ""); err != nil {
			return keys, fmt.Errorf("upload %s to %s/%s: %w", f[0], bucket, f[1], err)
		}
		keys = append(keys, f[1])
	}
	return keys, nil
}
