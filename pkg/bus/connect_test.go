package bus

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/welllog/digitiser/pkg/bus/bustest"
)

const (
	testUser     = "digitiser"
	testPassword = "Pa55-word-ok"
	// leaked is a password that must never show in an error.
	leaked = "Sekr1t-never-shown"
)

func withPassword(o *server.Options) {
	o.Users = []*server.User{{Username: testUser, Password: testPassword}}
}

// mustNotLeak fails when err is nil or its text holds leaked.
func mustNotLeak(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), leaked) {
		t.Fatalf("error shows the password: %v", err)
	}
}

// TestDialErrorHidesPassword dials with a password in the URL that the
// server refuses, a server that is not there and a URL the client cannot
// parse, and expects errors that say what went wrong without the password.
func TestDialErrorHidesPassword(t *testing.T) {
	srv := bustest.Server(t, withPassword)
	port := srv.Addr().(*net.TCPAddr).Port
	ctx := context.Background()
	short := ConnectOptions{RetryFor: 300 * time.Millisecond}

	url := "nats://" + testUser + ":" + leaked + "@127.0.0.1:" + strconv.Itoa(port)
	_, err := Dial(ctx, url, short)
	mustNotLeak(t, err)
	if !errors.Is(err, ErrBadCredentials) || !strings.Contains(err.Error(), Redacted) {
		t.Fatalf("refused login: %v, want ErrBadCredentials naming the redacted URL", err)
	}

	closed := "nats://" + testUser + ":" + leaked + "@127.0.0.1:" + strconv.Itoa(freePort(t))
	_, err = Dial(ctx, closed, short)
	mustNotLeak(t, err)

	_, err = Dial(ctx, "nats://"+testUser+":"+leaked+"@127.0.0.1:no-port", short)
	mustNotLeak(t, err)

	_, err = Dial(ctx, "nats://127.0.0.1:"+strconv.Itoa(port), ConnectOptions{User: testUser,
		Password: leaked, RetryFor: short.RetryFor})
	mustNotLeak(t, err)
	if !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("refused password option: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"nats://u:" + leaked + "@h:4222,nats://h2:4222": "nats://u:xxxxx@h:4222,nats://h2:4222",
		"tls://" + leaked + "@h:4222":                   "tls://xxxxx@h:4222",
		"u:" + leaked + "@h:4222":                       "nats://u:xxxxx@h:4222",
		"nats://u:" + leaked + "@h:bad port":            "nats://xxxxx@h:bad port",
		"nats://h:4222":                                 "nats://h:4222",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDialUserPassword logs in with the user and password options and a
// URL without credentials.
func TestDialUserPassword(t *testing.T) {
	srv := bustest.Server(t, withPassword)
	b, err := Dial(context.Background(), srv.ClientURL(), ConnectOptions{Name: "t",
		User: testUser, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.EnsureStreams(context.Background(), StreamsConfig{}); err != nil {
		t.Fatalf("logged in but JetStream refused: %v", err)
	}
	_, err = Dial(context.Background(), srv.ClientURL(), ConnectOptions{Password: "x"})
	if err == nil || !strings.Contains(err.Error(), "user and password go together") {
		t.Fatalf("password without user: %v", err)
	}
}

// TestDialNkey logs in with a user nkey seed file; without it the server
// refuses.
func TestDialNkey(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	seedFile := writeFile(t, "user.nk", seed)
	srv := bustest.Server(t, func(o *server.Options) {
		o.Nkeys = []*server.NkeyUser{{Nkey: pub}}
	})

	b, err := Dial(context.Background(), srv.ClientURL(), ConnectOptions{
		NkeySeedFile: seedFile})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	_, err = Dial(context.Background(), srv.ClientURL(), ConnectOptions{})
	if !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("no nkey: %v, want ErrBadCredentials", err)
	}
	_, err = Dial(context.Background(), srv.ClientURL(), ConnectOptions{
		NkeySeedFile: seedFile, User: "u", Password: "p"})
	if err == nil || !strings.Contains(err.Error(), "more than one way") {
		t.Fatalf("nkey and password: %v", err)
	}
}

// TestDialCredsFile logs in to a server in operator mode with a user
// credentials file (JWT signed by the account, seed).
func TestDialCredsFile(t *testing.T) {
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opub)
	akp, _ := nkeys.CreateAccount()
	apub, _ := akp.PublicKey()
	ajwt, err := jwt.NewAccountClaims(apub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	ujwt, err := jwt.NewUserClaims(upub).Encode(akp)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	if err != nil {
		t.Fatal(err)
	}
	credsFile := writeFile(t, "user.creds", creds)
	resolver := &server.MemAccResolver{}
	if err := resolver.Store(apub, ajwt); err != nil {
		t.Fatal(err)
	}
	srv := bustest.Server(t, func(o *server.Options) {
		o.JetStream = false
		o.TrustedOperators = []*jwt.OperatorClaims{oc}
		o.AccountResolver = resolver
	})

	b, err := Dial(context.Background(), srv.ClientURL(), ConnectOptions{
		CredsFile: credsFile})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	_, err = Dial(context.Background(), srv.ClientURL(), ConnectOptions{
		CredsFile: filepath.Join(t.TempDir(), "missing.creds")})
	if err == nil || !strings.Contains(err.Error(), "missing.creds") {
		t.Fatalf("missing creds file: %v", err)
	}
}

// TestDialCustomCA connects over TLS to a server whose certificate a
// private CA signed: with the CA file it works, without it the client
// refuses the certificate at once.
func TestDialCustomCA(t *testing.T) {
	caPEM, serverCert := testCA(t)
	caFile := writeFile(t, "ca.pem", caPEM)
	srv := bustest.Server(t, func(o *server.Options) {
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{serverCert},
			MinVersion: tls.VersionTLS12}
		o.TLS = true
	})
	url := "tls://127.0.0.1:" + strconv.Itoa(srv.Addr().(*net.TCPAddr).Port)

	b, err := Dial(context.Background(), url, ConnectOptions{CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	if !b.NC.TLSRequired() {
		t.Error("connection is not TLS")
	}
	b.Close()
	_, err = Dial(context.Background(), url, ConnectOptions{RetryFor: time.Minute})
	if err == nil || !isCertError(err) || !strings.Contains(err.Error(), "CA file") {
		t.Fatalf("without the CA: %v, want a certificate error naming the CA file", err)
	}
	_, err = Dial(context.Background(), url, ConnectOptions{CAFile: writeFile(t, "x.pem",
		[]byte("not a certificate"))})
	if err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad CA file: %v", err)
	}
}

// testCA makes a CA and a server certificate for 127.0.0.1 it signed.
func testCA(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2),
		Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage:    x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: srvKey}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
