#!/bin/sh
# One-shot set-up of the compose stack's MinIO, run by the minio-init
# service after MinIO answers: the stages' own user and policy, the inbox,
# work and models buckets, the shipped segmentation model, and the inbox's
# object-created notifications to the NATS target MinIO was started with
# (MINIO_NOTIFY_NATS_*_DIGITISER in compose.yaml). Idempotent. Credentials
# come from the environment and are never echoed.
set -eu

mc alias set digitiser http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

mc admin user add digitiser "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >/dev/null
mc admin policy attach digitiser readwrite --user "$S3_ACCESS_KEY" >/dev/null 2>&1 || true

for bucket in "$INBOX_BUCKET" "$WORK_BUCKET" "$MODELS_BUCKET"; do
	mc mb --ignore-existing "digitiser/$bucket"
done

model_dir="$(dirname "$MODEL_KEY")"
mc cp /models/model.card.json "digitiser/$MODELS_BUCKET/$model_dir/model.card.json"
mc cp /models/model.onnx "digitiser/$MODELS_BUCKET/$MODEL_KEY"

# An existing rule for the same ARN and events makes `event add` fail; that
# is the state we want.
mc event add "digitiser/$INBOX_BUCKET" "arn:minio:sqs::digitiser:nats" --event put ||
	mc event ls "digitiser/$INBOX_BUCKET" | grep -q "arn:minio:sqs::digitiser:nats"
echo "minio-init: buckets, model and inbox notifications ready"
