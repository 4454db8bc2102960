package awskms_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/awskms"
)

// Open a KMS key with its certificate chain from a file, with fewer SDK
// retries and a shorter timeout per signature than the defaults.
func ExampleBackend() {
	kmsBackend := awskms.Backend(awskms.Options{
		ClientOptions: []func(*kms.Options){func(o *kms.Options) { o.RetryMaxAttempts = 2 }},
		Timeout:       5 * time.Second,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := signer.Open(ctx,
		"awskms:arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab?chain=/etc/ecert/seal-chain.pem",
		&signer.Options{Backends: map[string]signer.Backend{"awskms": kmsBackend}})
	switch {
	case errors.Is(err, signer.ErrAccessDenied):
		log.Fatal("the role may not use this key: grant kms:GetPublicKey and kms:Sign")
	case errors.Is(err, signer.ErrThrottled), errors.Is(err, signer.ErrTimeout):
		log.Fatal("KMS is busy or unreachable; try again later")
	case err != nil:
		log.Fatal(err)
	}
	defer signer.Close(s)
}
