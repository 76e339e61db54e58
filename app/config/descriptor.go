package config

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// DescriptorFormat is the descriptor format version this Hoist reads (the
// "hoist_format" member).
const DescriptorFormat = 1

// MaxDescriptorSize is the largest descriptor Hoist accepts.
const MaxDescriptorSize = 64 << 10

// WellKnownPath is where an organisation serves its descriptor.
const WellKnownPath = "/.well-known/hoist.json"

// Descriptor is an organisation descriptor: the JSON document an
// organisation serves at https://<host>/.well-known/hoist.json so that a
// customer can connect by typing the host (or an e-mail address there).
//
// It has the same tables as a config file — organisation, s3, upload and
// signin, with the same names, types, defaults and validation — as JSON
// objects, plus "hoist_format": 1. It carries no secret and nothing local:
// s3.access_key_id, s3.secret_access_key, organisation.logo and the
// [security] table are refused, and sign-in (signin.issuer, client_id) and
// organisation.name are required.
type Descriptor struct {
	// Config is the validated configuration the descriptor gives.
	Config *Config
	// Format is its hoist_format.
	Format int
}

// DescriptorError is a descriptor that cannot be used. Problems are in the
// words of a config file ("upload.parallel_files: …") and name the JSON
// line; Summary says in plain words what is wrong as a whole.
type DescriptorError struct {
	// Source names the descriptor (its URL or file).
	Source string
	// Summary is one plain sentence for the customer.
	Summary string
	// Err is the detailed cause: a *ValidationError, a *ParseError or a
	// JSON syntax error, for Details and the log.
	Err error
}

func (e *DescriptorError) Error() string {
	if e.Err == nil {
		return e.Summary
	}
	return e.Summary + "\n" + e.Err.Error()
}

func (e *DescriptorError) Unwrap() error { return e.Err }

// descriptorForbidden are settings a descriptor may not carry.
var descriptorForbidden = map[string]string{
	"s3.access_key_id":          "a descriptor carries no keys: customers sign in",
	"s3.secret_access_key":      "a descriptor carries no keys: customers sign in",
	"organisation.logo":         "a descriptor cannot name a file on the customer's computer",
	"security":                  "a descriptor cannot weaken Hoist's security settings",
	"security.allow_plain_http": "a descriptor cannot weaken Hoist's security settings",
}

// ParseDescriptor decodes and validates a descriptor. source names it in
// errors (its URL). Every error is a *DescriptorError.
func ParseDescriptor(data []byte, source string) (*Descriptor, error) {
	fail := func(summary string, err error) (*Descriptor, error) {
		return nil, &DescriptorError{Source: source, Summary: summary, Err: err}
	}
	if len(data) > MaxDescriptorSize {
		return fail(fmt.Sprintf("The organisation's set-up file is too big (over %d KiB).", MaxDescriptorSize>>10), nil)
	}
	lines, err := jsonKeyLines(data)
	if err != nil {
		return fail("The organisation's set-up file is not valid JSON.", err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		err = errors.New("the document is not a JSON object")
		return fail("The organisation's set-up file is not valid JSON.", err)
	}
	format, err := descriptorFormat(doc, lines, source)
	if err != nil {
		return fail("The organisation's set-up file is not a Hoist set-up.", err)
	}
	if format > DescriptorFormat {
		return fail("The organisation's set-up needs a newer version of Hoist. Update Hoist, then try again.",
			fmt.Errorf("hoist_format %d; this Hoist reads format %d", format, DescriptorFormat))
	}
	delete(doc, "hoist_format")
	var problems []*FieldError
	for _, key := range sortedKeys(lines) {
		if why, bad := descriptorForbidden[key]; bad {
			problems = append(problems, &FieldError{Field: key, Message: "not allowed in a descriptor: " + why, Line: lines[key]})
		}
	}
	tomlDoc, ferr := toTOML(doc)
	if ferr != nil {
		ferr.Line = lineOf(lines, ferr.Field)
		return fail("The organisation's set-up file has a mistake.", &ValidationError{Source: source, Problems: []*FieldError{ferr}})
	}
	cfg, err := parseWith(tomlDoc, source, "", parseOptions{lines: lines})
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		problems = append(problems, ve.Problems...)
	case err != nil:
		return fail("The organisation's set-up file has a mistake.", err)
	}
	if cfg != nil {
		problems = append(problems, descriptorRequired(cfg, lines)...)
	}
	if len(problems) > 0 {
		return fail("The organisation's set-up file has a mistake.", &ValidationError{Source: source, Problems: problems})
	}
	return &Descriptor{Config: cfg, Format: format}, nil
}

// descriptorFormat reads and checks hoist_format.
func descriptorFormat(doc map[string]any, lines map[string]int, source string) (int, error) {
	v, ok := doc["hoist_format"]
	if !ok {
		return 0, &ValidationError{Source: source, Problems: []*FieldError{{Field: "hoist_format", Message: fmt.Sprintf("must be set (to %d)", DescriptorFormat)}}}
	}
	n, ok := v.(json.Number)
	f, err := n.Int64()
	if !ok || err != nil || f < 1 {
		return 0, &ValidationError{Source: source, Problems: []*FieldError{{Field: "hoist_format", Message: fmt.Sprintf("must be a whole number (%d) (got %v)", DescriptorFormat, v), Line: lines["hoist_format"]}}}
	}
	return int(f), nil
}

// descriptorRequired are the settings a descriptor must have beyond a
// config file's.
func descriptorRequired(cfg *Config, lines map[string]int) []*FieldError {
	var out []*FieldError
	add := func(field, msg string) {
		out = append(out, &FieldError{Field: field, Message: msg, Line: lineOf(lines, field)})
	}
	if _, ok := lines["organisation.name"]; !ok {
		add("organisation.name", "must be set: it is what customers see and confirm")
	}
	if cfg.Signin.Issuer == "" {
		add("signin.issuer", "must be set: customers sign in with the organisation's provider")
	}
	return out
}

// toTOML turns a decoded JSON document into TOML for the config parser, so
// a descriptor goes through exactly a config file's decoding and
// validation. Integers stay integers; null is refused.
func toTOML(doc map[string]any) ([]byte, *FieldError) {
	conv, ferr := tomlValue(doc, "")
	if ferr != nil {
		return nil, ferr
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(conv); err != nil {
		return nil, &FieldError{Field: "(document)", Message: err.Error()}
	}
	return buf.Bytes(), nil
}

func tomlValue(v any, key string) (any, *FieldError) {
	switch v := v.(type) {
	case nil:
		return nil, &FieldError{Field: key, Message: "must not be null: leave the setting out for its default"}
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, &FieldError{Field: key, Message: "is not a number " + got(string(v))}
		}
		return f, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			sub := k
			if key != "" {
				sub = key + "." + k
			}
			c, err := tomlValue(e, sub)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := tomlValue(e, key)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

// jsonKeyLines checks that data is one JSON value and maps the dotted path
// of every object member to its 1-based line. A member that appears twice
// is an error (JSON decoders disagree on which one wins).
func jsonKeyLines(data []byte) (map[string]int, error) {
	j := &jsonLines{data: data, dec: json.NewDecoder(bytes.NewReader(data)), lines: make(map[string]int)}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the document is empty")
	}
	if err := j.value(""); err != nil {
		return nil, err
	}
	if _, err := j.dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("line %d: more than one JSON value", j.lineAt(j.dec.InputOffset()))
	}
	return j.lines, nil
}

// jsonLines walks a JSON document token by token.
type jsonLines struct {
	data  []byte
	dec   *json.Decoder
	lines map[string]int
}

func (j *jsonLines) lineAt(off int64) int {
	return 1 + bytes.Count(j.data[:min(int(off), len(j.data))], []byte("\n"))
}

func (j *jsonLines) token() (json.Token, error) {
	tok, err := j.dec.Token()
	if err == nil {
		return tok, nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("line %d: %v", j.lineAt(se.Offset), err)
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("line %d: %v", j.lineAt(j.dec.InputOffset()), err)
}

// value reads one value at path.
func (j *jsonLines) value(path string) error {
	tok, err := j.token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for j.dec.More() {
			off := j.dec.InputOffset()
			for off < int64(len(j.data)) && strings.ContainsRune(" \t\r\n,", rune(j.data[off])) {
				off++
			}
			k, err := j.token()
			if err != nil {
				return err
			}
			key := k.(string)
			if path != "" {
				key = path + "." + key
			}
			if _, dup := j.lines[key]; dup {
				return fmt.Errorf("line %d: %q appears twice", j.lineAt(off), key)
			}
			j.lines[key] = j.lineAt(off)
			if err := j.value(key); err != nil {
				return err
			}
		}
		_, err = j.token()
		return err
	case json.Delim('['):
		for j.dec.More() {
			if err := j.value(path); err != nil {
				return err
			}
		}
		_, err = j.token()
		return err
	}
	return nil
}

// sortedKeys returns the keys of lines in line order.
func sortedKeys(lines map[string]int) []string {
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(lines[a], lines[b]), cmp.Compare(a, b)) })
	return keys
}
