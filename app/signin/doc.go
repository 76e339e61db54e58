// Package signin signs a person in to their organisation's OpenID Connect
// provider from a native app, following RFC 8252: the system browser opens
// the provider's authorization page, the answer comes back to a one-shot
// loopback listener on http://127.0.0.1:PORT/callback, and the code is
// exchanged with PKCE (S256). The ID token is verified (signature through
// the provider's JWKS, issuer, audience, expiry, nonce) with go-oidc.
//
// After sign-in a [Client] keeps the ID token and the refresh token.
// [Client.IDToken] hands out a valid ID token, refreshing it shortly before
// it expires; that is what STS AssumeRoleWithWebIdentity consumes through
// [Client.TokenRetriever]. The refresh token is kept in a [TokenStore] (the
// OS keyring, or a private file when no keyring answers) so that
// [Client.Restore] can sign the person in silently at the next start.
//
// The package has no UI and no AWS dependency. Errors wrap sentinel values
// ([ErrProviderUnreachable], [ErrSignInRequired], ...) that callers test with
// errors.Is; [UserMessage] turns any of them into a sentence for a person.
package signin
