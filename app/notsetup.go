package app

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2/lang"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"hoist/app/cli"
	"hoist/app/signin"
)

// credentialsCheckTimeout bounds the one look, at start, for credentials in
// the AWS SDK's default places (environment, shared files, SSO, container
// and EC2 instance metadata). The metadata service is tried last and gives
// up within a few seconds where there is none.
const credentialsCheckTimeout = 20 * time.Second

// checkDefaultCredentials finds out once, at start, whether a configuration
// without sign-in and without keys has any credentials at all. Without this
// the SDK's chain ends at the EC2 metadata service and every upload waits
// for it for ever. The error matches cli.ErrNotSetUp.
func checkDefaultCredentials(ctx context.Context, b *base) error {
	ctx, cancel := context.WithTimeout(ctx, credentialsCheckTimeout)
	defer cancel()
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(b.cfg.S3.Region))
	if err == nil {
		_, err = cfg.Credentials.Retrieve(ctx)
	}
	if err == nil {
		return nil
	}
	b.log.Error("no credentials: the configuration has no [signin] and no keys, and the AWS SDK found none", "config", b.cfgPath, "error", err)
	return &plainError{
		msg: lang.L("Hoist is not set up to sign in: its configuration ({{.Config}}) has no [signin] section, and no storage keys were found on this computer. Ask your organisation's IT support for Hoist's settings.",
			map[string]any{"Config": b.cfgPath}),
		details: signin.Redact(err.Error()),
		cause:   errors.Join(cli.ErrNotSetUp, err),
	}
}
