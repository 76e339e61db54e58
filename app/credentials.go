package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	appconfig "hoist/app/config"
	"hoist/uploader/s3store"
)

// idTokenSource yields a valid OpenID Connect ID token, refreshing it as
// needed (the sign-in client).
type idTokenSource interface {
	IDToken(ctx context.Context) (string, error)
}

// tokenRetriever adapts an idTokenSource to the SDK's
// stscreds.IdentityTokenRetriever, which takes no context.
type tokenRetriever struct {
	ctx context.Context
	src idTokenSource
}

func (r tokenRetriever) GetIdentityToken() ([]byte, error) {
	tok, err := r.src.IDToken(r.ctx)
	if err != nil {
		return nil, fmt.Errorf("get ID token: %w", err)
	}
	return []byte(tok), nil
}

// credentialsExpiryWindow is how long before expiry cached credentials are
// renewed. It is short so that even minute-long test credentials are
// renewed before they run out, yet leaves time for a request in flight.
const credentialsExpiryWindow = 20 * time.Second

// webIdentityCredentials returns S3 credentials obtained with STS
// AssumeRoleWithWebIdentity from the signed-in user's ID token, cached and
// renewed before they expire. It works against AWS STS (role_arn) and
// MinIO (sts_endpoint). The STS call itself is unsigned.
func webIdentityCredentials(ctx context.Context, cfg *appconfig.Config, tokens idTokenSource, session string) (*webCredentials, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(cfg.S3.Region),
		config.WithCredentialsProvider(aws.AnonymousCredentials{}),
	)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration for STS: %w", err)
	}
	client := sts.NewFromConfig(awsCfg, func(o *sts.Options) {
		if cfg.Signin.STSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Signin.STSEndpoint)
		}
	})
	roleARN := cfg.Signin.RoleARN
	if roleARN == "" {
		// MinIO with claim-based policies ignores the role; the SDK wants one.
		roleARN = "arn:minio:iam:::role/hoist"
	}
	provider := stscreds.NewWebIdentityRoleProvider(client, roleARN, tokenRetriever{ctx: ctx, src: tokens},
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = sessionName(session) })
	sts := newSTSCredentials(provider)
	return &webCredentials{
		CredentialsCache: aws.NewCredentialsCache(s3store.MarkCredentialFailures(sts), func(o *aws.CredentialsCacheOptions) {
			o.ExpiryWindow = credentialsExpiryWindow
			o.ExpiryWindowJitterFrac = 0.5
		}),
		sts: sts,
	}, nil
}

// webCredentials are the signed-in person's cached STS credentials.
type webCredentials struct {
	*aws.CredentialsCache
	sts *stsCredentials
}

// renew drops the cached credentials and any remembered refusal by STS:
// the next request asks STS again (after a new sign-in).
func (w *webCredentials) renew() {
	w.Invalidate()
	w.sts.forget()
}

// sessionName makes an STS role session name (2–64 of [\w+=,.@-]) from the
// user's subject, for the organisation's CloudTrail.
func sessionName(sub string) string {
	out := []rune("hoist-")
	for _, r := range sub {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '=', r == ',', r == '.', r == '@', r == '-':
			out = append(out, r)
		default:
			out = append(out, '-')
		}
		if len(out) >= 64 {
			break
		}
	}
	return string(out)
}
