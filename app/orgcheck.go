package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/org"
	"hoist/app/signin"
)

// `hoist org check` is for an organisation's admin: it checks a set-up end
// to end, the way a customer's Hoist will use it, and prints one line per
// check — PASS, FAIL or COULD NOT CHECK — each failure with what to fix.
// The exit code is non-zero when any check fails. It signs in
// interactively (the browser, a loopback redirect, PKCE: the app's own
// sign-in), keeps no token (a memory store; the customer's saved sign-in on
// this computer is left alone), and removes what it wrote, except, when the
// role may not delete, one small probe file in the person's own folder,
// which the next check reuses.

// orgCommands is `hoist org`.
func orgCommands() []cli.Command {
	return []cli.Command{{Name: "org", Summary: "for your organisation's admin: hoist org check [DESCRIPTOR-URL | --config FILE]", Run: cmdOrg}}
}

// orgCheckBrowser opens the sign-in page of `hoist org check`; nil means
// the system browser (tests replace it).
var orgCheckBrowser signin.BrowserOpener

func cmdOrg(ctx context.Context, env *cli.Env, args []string) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(env.Stderr, "Usage: hoist org check [DESCRIPTOR-URL | DOMAIN | --config FILE] [--verbose]")
		fmt.Fprintln(env.Stderr, "\nChecks your organisation's Hoist set-up end to end, as a customer's Hoist uses it; you sign in once in the browser.")
		return cli.ExitUsage
	}
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "org check", &common)
	var rest []string
	args = args[1:]
	for {
		if err := fs.Parse(args); err != nil {
			return cli.ExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) > 1 || len(rest) == 1 && common.Config != "" {
		fmt.Fprintln(env.Stderr, "hoist org check: give one descriptor address, or --config FILE, not both")
		return cli.ExitUsage
	}
	target := ""
	if len(rest) == 1 {
		target = rest[0]
	}
	c := &orgCheck{out: env.Stdout, verbose: common.Verbose, browser: orgCheckBrowser}
	return c.run(ctx, target, common.Config)
}

// checkStatus is the outcome of one check.
type checkStatus int

const (
	checkPass checkStatus = iota
	checkFail
	checkUnknown // could not check
)

func (s checkStatus) String() string {
	switch s {
	case checkPass:
		return "PASS"
	case checkFail:
		return "FAIL"
	}
	return "COULD NOT CHECK"
}

// checkResult is one line of the report.
type checkResult struct {
	status checkStatus
	// what was found, in plain words.
	detail string
	// fix says what to do (FAIL and COULD NOT CHECK).
	fix string
	// cause is the technical reason, printed with --verbose.
	cause string
}

func pass(detail string) checkResult { return checkResult{status: checkPass, detail: detail} }

func failed(detail, fix string) checkResult {
	return checkResult{status: checkFail, detail: detail, fix: fix}
}

func unknown(detail, fix string) checkResult {
	return checkResult{status: checkUnknown, detail: detail, fix: fix}
}

func (r checkResult) because(err error) checkResult {
	if err != nil {
		r.cause = signin.Redact(err.Error())
	}
	return r
}

// The checks, in the order they are printed.
const (
	checkDescriptor = "Descriptor reachable and valid"
	checkDiscovery  = "Sign-in service discovery"
	checkPublic     = "Client is public (no secret)"
	checkPKCE       = "PKCE S256 offered"
	checkSignIn     = "Interactive sign-in"
	checkRole       = "Role can be assumed (STS)"
	checkConfined   = "Confined to own folder"
	checkMultipart  = "Multipart upload, ListParts, abort"
	checkCondition  = "Conditional writes (If-None-Match)"
	checkCRC32C     = "CRC32C checksums"
	checkLifecycle  = "Lifecycle rule for unfinished uploads"
)

// orgCheck runs the checks and prints them as they finish.
type orgCheck struct {
	out     io.Writer
	verbose bool
	browser signin.BrowserOpener
	fetcher org.Fetcher
	failed  bool
	notes   []string
}

func (c *orgCheck) report(name string, r checkResult) {
	line := fmt.Sprintf("%-15s %s: %s", r.status, name, r.detail)
	if r.fix != "" {
		line += " Fix: " + r.fix
	}
	fmt.Fprintln(c.out, line)
	if c.verbose && r.cause != "" {
		fmt.Fprintf(c.out, "%-15s details: %s\n", "", r.cause)
	}
	if r.status == checkFail {
		c.failed = true
	}
}

// skip reports the remaining checks as not checked, because of what failed
// before them.
func (c *orgCheck) skip(why string, names ...string) {
	for _, n := range names {
		c.report(n, unknown("not tried: "+why+".", ""))
	}
}

func (c *orgCheck) exitCode() int {
	for _, n := range c.notes {
		fmt.Fprintln(c.out, "Note: "+n)
	}
	if c.failed {
		fmt.Fprintln(c.out, "Some checks failed: customers' Hoist will not work fully until they are fixed.")
		return cli.ExitFailed
	}
	fmt.Fprintln(c.out, "No check failed.")
	return cli.ExitOK
}

// orgStepTimeout bounds each network step except the interactive sign-in.
const orgStepTimeout = 30 * time.Second

func (c *orgCheck) run(ctx context.Context, target, configPath string) int {
	cfg, domain, code := c.load(ctx, target, configPath)
	if cfg == nil {
		return code
	}
	later := []string{checkDiscovery, checkPublic, checkPKCE, checkSignIn, checkRole, checkConfined, checkMultipart, checkCondition, checkCRC32C, checkLifecycle}
	if !cfg.Signin.Enabled() {
		c.report(checkDiscovery, failed("the set-up has no sign-in service, so customers can't get access to the storage.",
			"set signin.issuer and signin.client_id (and signin.role_arn) in the set-up."))
		c.skip("no sign-in", later[1:]...)
		return c.exitCode()
	}
	disc := c.discovery(ctx, cfg, domain)
	if disc == nil {
		c.skip("the sign-in service's discovery failed", later[1:]...)
		return c.exitCode()
	}
	c.report(checkPublic, c.publicClient(ctx, cfg, disc))
	c.report(checkPKCE, pkceOffered(disc))

	client, id := c.signIn(ctx, cfg)
	if id == nil {
		c.skip("nobody signed in", later[4:]...)
		return c.exitCode()
	}
	creds := c.role(ctx, cfg, client, id)
	if creds == nil {
		c.skip("no storage credentials", later[5:]...)
		return c.exitCode()
	}
	c.storage(ctx, cfg, creds, id)
	return c.exitCode()
}

// load reads the set-up to check and reports the first check. A nil config
// means stop, with the exit code.
func (c *orgCheck) load(ctx context.Context, target, configPath string) (*config.Config, string, int) {
	if target == "" && configPath == "" {
		s, err := findSetup("")
		if err != nil {
			fmt.Fprintf(c.out, "hoist org check: %v\n", err)
			fmt.Fprintln(c.out, "Give the descriptor's address (hoist org check https://uploads.example.org/.well-known/hoist.json) or a config file (--config FILE).")
			return nil, "", exitCodeOf(err)
		}
		if s.DescriptorURL != "" {
			target = s.DescriptorURL
		} else {
			configPath = s.Source
		}
	}
	if configPath != "" {
		return c.loadFile(configPath)
	}
	descURL, err := org.DescriptorURL(target)
	if err != nil {
		fmt.Fprintf(c.out, "hoist org check: %s\n", plainMessage(err))
		return nil, "", cli.ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 2*org.FetchTimeout)
	defer cancel()
	o, err := c.fetcher.FetchDescriptor(ctx, descURL)
	if err != nil {
		c.report(checkDescriptor, failed(plainMessage(err)+" ("+descURL+")", descriptorFix(descURL, err)).because(errors.Unwrap(err)))
		return nil, "", c.exitCode()
	}
	c.report(checkDescriptor, pass(fmt.Sprintf("%s serves the set-up of %s.", descURL, o.Name)))
	return o.Descriptor.Config, o.Domain, 0
}

// loadFile reads a config file (TOML), or a descriptor (.json) before it
// is published.
func (c *orgCheck) loadFile(path string) (*config.Config, string, int) {
	var cfg *config.Config
	var err error
	if strings.EqualFold(filepath.Ext(path), ".json") {
		var data []byte
		if data, err = os.ReadFile(path); err == nil {
			var d *config.Descriptor
			if d, err = config.ParseDescriptor(data, path); err == nil {
				cfg = d.Config
			}
		}
	} else {
		cfg, err = config.Load(path)
	}
	if err != nil {
		c.report(checkDescriptor, failed(fmt.Sprintf("%s can't be used: %s", path, oneLine(err)),
			"correct the settings named above (the README's \"For organisations: the descriptor\" section lists them)."))
		return nil, "", c.exitCode()
	}
	c.report(checkDescriptor, pass(fmt.Sprintf("%s is valid (the set-up of %s).", path, cfg.Organisation.Name)))
	return cfg, config.DomainOf(cfg.Signin.Issuer), 0
}

// descriptorFix says what an admin does about a descriptor that could not
// be fetched or used.
func descriptorFix(descURL string, err error) string {
	var de *config.DescriptorError
	if errors.As(err, &de) {
		return "correct the descriptor at " + descURL + ": " + oneLine(de.Err) + "."
	}
	return "serve the descriptor at " + descURL + " over https, with a certificate customers' computers trust, as JSON of at most 64 KiB, without redirects to another scheme."
}

// oneLine is an error's text on one line.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// discovery checks the sign-in service's discovery document.
func (c *orgCheck) discovery(ctx context.Context, cfg *config.Config, domain string) *org.Discovery {
	ctx, cancel := context.WithTimeout(ctx, orgStepTimeout)
	defer cancel()
	disc, err := c.fetcher.CheckIssuer(ctx, cfg.Signin.Issuer, domain)
	if err != nil {
		c.report(checkDiscovery, failed(plainMessage(err),
			"make "+strings.TrimSuffix(cfg.Signin.Issuer, "/")+"/.well-known/openid-configuration answer over https with \"issuer\": \""+cfg.Signin.Issuer+"\", exactly as signin.issuer says it (a trailing slash counts).").because(errors.Unwrap(err)))
		return nil
	}
	if disc.AuthorizationEndpoint == "" || disc.TokenEndpoint == "" {
		c.report(checkDiscovery, failed(disc.URL+" names no authorization or token endpoint.", "use the discovery document of an OpenID Connect provider (signin.issuer)."))
		return nil
	}
	c.report(checkDiscovery, pass(fmt.Sprintf("%s answers as %s.", disc.URL, disc.Issuer)))
	return disc
}

// pkceOffered checks that the provider offers PKCE with S256.
func pkceOffered(d *org.Discovery) checkResult {
	switch {
	case d.CodeChallengeMethods == nil:
		return unknown("the sign-in service's discovery does not say which PKCE methods it offers (code_challenge_methods_supported).",
			"make sure the provider supports PKCE with S256 and requires it for Hoist's client; Hoist always sends it.")
	case !slices.Contains(d.CodeChallengeMethods, "S256"):
		return failed(fmt.Sprintf("the sign-in service offers PKCE %v, not S256.", d.CodeChallengeMethods),
			"turn on PKCE with the S256 method at the provider (and require it for Hoist's client): Hoist signs in only with S256.")
	}
	return pass("the sign-in service offers S256.")
}

// publicClient checks that the client needs no secret: the token endpoint
// is asked to redeem a code that does not exist, with the client ID and no
// secret, as Hoist does. A public client gets invalid_grant (the code is
// bad); a confidential one invalid_client (no secret).
func (c *orgCheck) publicClient(ctx context.Context, cfg *config.Config, d *org.Discovery) checkResult {
	fix := "register " + cfg.Signin.ClientID + " at the provider as a public (native) client without a secret — token_endpoint_auth_method \"none\" — that may use the authorization code grant with PKCE and redirect to http://127.0.0.1/callback on any port."
	if d.TokenAuthMethods != nil && !slices.Contains(d.TokenAuthMethods, "none") {
		return failed("the sign-in service does not accept clients without a secret (token_endpoint_auth_methods_supported has no \"none\").", fix)
	}
	ctx, cancel := context.WithTimeout(ctx, orgStepTimeout)
	defer cancel()
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {"hoist-org-check-" + rand.Text()},
		"client_id":     {cfg.Signin.ClientID},
		"redirect_uri":  {"http://127.0.0.1/callback"},
		"code_verifier": {rand.Text() + rand.Text()},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return unknown("the token endpoint "+d.TokenEndpoint+" is not a valid address.", "correct token_endpoint in the provider's discovery.").because(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.fetcher.HTTPClient().Do(req)
	if err != nil {
		return unknown("the token endpoint "+d.TokenEndpoint+" could not be reached.", "make it reachable over https from customers' computers.").because(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	cause := fmt.Errorf("token endpoint %s: %s: %s %s", d.TokenEndpoint, resp.Status, body.Error, body.Description)
	switch body.Error {
	case "invalid_grant":
		return pass("the token endpoint takes " + cfg.Signin.ClientID + " without a secret.")
	case "invalid_client":
		return failed("the token endpoint wants a secret from client "+cfg.Signin.ClientID+" (or does not know it): Hoist has none and must not have one.", fix).because(cause)
	case "unauthorized_client":
		return failed("client "+cfg.Signin.ClientID+" may not use the authorization code grant.", fix).because(cause)
	}
	return unknown("the token endpoint's answer does not tell ("+resp.Status+" "+body.Error+").", "check that "+cfg.Signin.ClientID+" is a public client; the sign-in below tries it.").because(cause)
}

// signIn signs the admin in as the app does: the browser, a loopback
// redirect, PKCE. Nothing is saved.
func (c *orgCheck) signIn(ctx context.Context, cfg *config.Config) (*signin.Client, *signin.Identity) {
	browser := c.browser
	if browser == nil {
		browser = signin.SystemBrowser{}
	}
	client, err := signin.New(signin.Config{
		Issuer:       cfg.Signin.Issuer,
		ClientID:     cfg.Signin.ClientID,
		Scopes:       cfg.Signin.Scopes,
		RedirectPort: cfg.Signin.RedirectPort,
		Browser:      browser,
		Store:        signin.NewMemoryStore(),
	})
	if err != nil {
		c.report(checkSignIn, failed("the sign-in settings can't be used.", "correct signin.issuer and signin.client_id.").because(err))
		return nil, nil
	}
	id, err := client.SignIn(ctx, func(u string) {
		fmt.Fprintf(c.out, "Sign in as one of your customers would, in the browser that opens now. If it does not open, visit:\n\n  %s\n\n", u)
	})
	if err != nil {
		msg := signin.UserMessage(err)
		var pe *signin.ProviderError
		if errors.As(err, &pe) { // the provider's own words are plainer for an admin
			msg = strings.ToUpper(pe.Error()[:1]) + pe.Error()[1:] + "."
		}
		c.report(checkSignIn, failed(msg, signInFix(cfg, err)).because(err))
		return nil, nil
	}
	c.report(checkSignIn, pass(fmt.Sprintf("signed in as %s (sub %s).", id.DisplayName(), id.Subject)))
	return client, id
}

// signInFix says what an admin checks when the interactive sign-in fails.
func signInFix(cfg *config.Config, err error) string {
	var pe *signin.ProviderError
	switch {
	case errors.As(err, &pe) && pe.Code == "invalid_client":
		return "register " + cfg.Signin.ClientID + " as a public (native) client without a secret."
	case errors.As(err, &pe) && (pe.Code == "invalid_redirect_uri" || pe.Code == "invalid_request"):
		return "allow the redirect http://127.0.0.1/callback on any port for " + cfg.Signin.ClientID + " (RFC 8252 loopback redirect), or fix the port with signin.redirect_port."
	case errors.Is(err, signin.ErrAccessDenied):
		return "if you did not cancel, allow the account you signed in with to use " + cfg.Signin.ClientID + "."
	case errors.Is(err, signin.ErrInvalidIDToken):
		return "check that the provider signs ID tokens for " + cfg.Signin.ClientID + " (aud) with a key its jwks_uri publishes, and that this computer's clock is right."
	case errors.Is(err, signin.ErrTimedOut), errors.Is(err, context.Canceled):
		return "run the check again and finish the sign-in in the browser."
	}
	return "check the client " + cfg.Signin.ClientID + " at the provider: a public client with the authorization code grant, PKCE S256 and loopback redirects (http://127.0.0.1/callback, any port)."
}
