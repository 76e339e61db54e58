package ui

import (
	"regexp"
	"strings"

	"fyne.io/fyne/v2/lang"

	"hoist/uploader"
)

// reasonKeys maps each reason code of the engine (uploader.Code…) to the
// English text the engine stores with it, which is also the text's lang
// key (translations/codes.*.json). A field such as {{.Bucket}} stands for
// the part of the stored text that differs from job to job; its value is
// read back from the stored English text. reasons_test.go checks that every
// code has an entry, that every entry is translated, and that the engine's
// own texts are these.
var reasonKeys = map[string]string{
	uploader.CodeFileMissing:      "The file is gone: it was moved or deleted before it was sent. Put it back and press Retry.",
	uploader.CodeFileUnreadable:   "Hoist isn't allowed to read this file. Check that you can open it, then press Retry.",
	uploader.CodeFileLocked:       "Another program has this file open and does not let Hoist read it. Close the file there, then press Retry.",
	uploader.CodeFileChanged:      "The file changed while it was being sent. Send it again once nothing is editing it.",
	uploader.CodeNotRegular:       "This is no longer a regular file.",
	uploader.CodeTooLarge:         "This file is larger than the 5 TiB the storage accepts.",
	uploader.CodeAccessDenied:     "The storage refused access. Ask your organisation's support to check your permissions.",
	uploader.CodeNoSuchBucket:     `The destination "{{.Bucket}}" does not exist. Ask your organisation's support to check Hoist's settings.`,
	uploader.CodeSignedOut:        "Your sign-in has expired or Hoist has no credentials. Sign in again, then press Retry.",
	uploader.CodeNameTaken:        "Another file with the same name arrived while this one was being sent. Press Retry to send it under a new name.",
	uploader.CodeNoFreeName:       "Could not find a free name for this file.",
	uploader.CodeExists:           "A file with this name is already there, so it was skipped.",
	uploader.CodeNetwork:          "The upload kept failing. What was sent is kept: press Retry to continue.",
	uploader.CodeUploadDiscarded:  "The upload was discarded on the server. Press Retry to send the file again.",
	uploader.CodeChecksumMismatch: "The stored file does not match what was sent. Press Retry to send it again.",
	uploader.CodeChecksumLost:     "A part's checksum was lost. Press Retry.",
	uploader.CodeSizeMismatch:     "The stored file has the wrong size. Press Retry to send it again.",
	uploader.CodeCancelled:        "Cancelled.",
	uploader.CodeRejected:         "The storage rejected the upload. Ask your organisation's support for help.",
	uploader.CodeSignInRefused:    "Your organisation's storage does not accept this sign-in. Tell your IT support: {{.Code}}",
}

// noteKeys are the engine's notes that carry no code: what a finished job
// says about itself (renamed, sent again) and what a running one is waiting
// for. They are looked up by their stored English text.
var noteKeys = []string{
	"The file changed since the upload began, so it was sent again from the start.",
	"The unfinished upload had expired on the server, so it was sent again from the start.",
	"A file with the same name was already there, so this one was stored as {{.Name}}.",
	"A file with the same name was already there, so this one is stored as {{.Name}}.",
	"An identical file was already in place as {{.Name}}, so it was not sent again.",
	"A name in its path is empty once spaces are trimmed, so it is stored as {{.Name}}.",
	"The file changed since the upload began; starting again.",
	"Waiting for the network",
	"Your organisation's storage isn't answering",
	"Your organisation's storage isn't answering properly",
	"The connection stalled",
	"Connection trouble",
	"Renewing access…",
	"Sign in again to continue",
	`Can't find the server "{{.Server}}". Check your internet connection; if it works, tell your organisation's support. Hoist keeps trying.`,
}

// problemKeys are the engine's reasons for not sending an entry of a drop
// or a send (uploader.Problem), looked up by their English text.
var problemKeys = []string{
	"this is Hoist's own data or settings (your sign-in, its list of uploads, its log): it is never sent",
	"a link to a folder: links to folders are not followed (they can loop); drop the folder itself to send it",
	"a link to a file outside the folder being sent: only links within it are followed; drop the file itself to send it",
	"a link to something that no longer exists",
	"a named pipe (FIFO), not a file: only files and folders can be sent",
	"a socket, not a file: only files and folders can be sent",
	"a device, not a file: only files and folders can be sent",
	"not a regular file (only files and folders can be sent)",
	"it no longer exists",
	"Hoist isn't allowed to read it",
	"another program has it open and does not let Hoist read it",
	"not a usable path",
	"the folder is empty",
	`the name "{{.Name}}" leaves nothing to use as a file name`,
	"the destination name is {{.Length}} bytes long; the storage allows {{.Limit}}",
}

// templateField is a field of a key: {{.Name}}.
var templateField = regexp.MustCompile(`{{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*}}`)

// reasonPattern reads a key's field values back from a text in its English
// wording.
type reasonPattern struct {
	key    string
	fields []string
	re     *regexp.Regexp // nil for a key without fields
	// head and tail are the key's text before its first and after its
	// last field: a cheap test before the regular expression.
	head, tail string
}

func newReasonPattern(key string) reasonPattern {
	p := reasonPattern{key: key}
	names := templateField.FindAllStringSubmatch(key, -1)
	if len(names) == 0 {
		return p
	}
	var b strings.Builder
	b.WriteString(`(?s)^`)
	parts := templateField.Split(key, -1)
	p.head, p.tail = parts[0], parts[len(parts)-1]
	for i, part := range parts {
		b.WriteString(regexp.QuoteMeta(part))
		if i < len(names) {
			b.WriteString(`(.*)`)
			p.fields = append(p.fields, names[i][1])
		}
	}
	b.WriteString(`$`)
	p.re = regexp.MustCompile(b.String())
	return p
}

// match returns the field values of text, which must be the key's English
// wording.
func (p reasonPattern) match(text string) (map[string]any, bool) {
	if p.re == nil {
		return nil, text == p.key
	}
	if !strings.HasPrefix(text, p.head) || !strings.HasSuffix(text, p.tail) {
		return nil, false
	}
	m := p.re.FindStringSubmatch(text)
	if m == nil {
		return nil, false
	}
	data := make(map[string]any, len(p.fields))
	for i, f := range p.fields {
		data[f] = m[i+1]
	}
	return data, true
}

// Patterns of the tables above, built once; never changed afterwards.
var (
	reasonPatterns = func() map[string]reasonPattern {
		out := make(map[string]reasonPattern, len(reasonKeys))
		for code, key := range reasonKeys {
			out[code] = newReasonPattern(key)
		}
		return out
	}()
	notePatterns    = patternsOf(noteKeys)
	problemPatterns = patternsOf(problemKeys)
)

func patternsOf(keys []string) []reasonPattern {
	out := make([]reasonPattern, len(keys))
	for i, key := range keys {
		out[i] = newReasonPattern(key)
	}
	return out
}

// lookUp is text in the customer's language when one of patterns is its
// English wording, else text itself.
func lookUp(patterns []reasonPattern, text string) string {
	if text == "" {
		return ""
	}
	for _, p := range patterns {
		if data, ok := p.match(text); ok {
			return lang.L(p.key, data) // i18n:dynamic: the tables above, checked by reasons_test.go
		}
	}
	return text
}

// reasonText is the reason of a job in the customer's language: worded
// from its reason code, with the details (a bucket's name, say) taken from
// the stored English text. A text without a code is a finished job's note
// (looked up by its English text) or the reason of a job from a journal
// written before the codes, which shows as stored; so do a code Hoist does
// not know and a stored text whose details cannot be read.
func reasonText(code, stored string) string {
	if stored == "" {
		return ""
	}
	if code == "" {
		return noteText(stored)
	}
	p, ok := reasonPatterns[code]
	if !ok {
		return stored
	}
	if p.re == nil {
		return lang.L(p.key) // i18n:dynamic: reasonKeys, checked by reasons_test.go
	}
	data, ok := p.match(stored)
	if !ok {
		return stored
	}
	return lang.L(p.key, data) // i18n:dynamic: reasonKeys, checked by reasons_test.go
}

// jobReason is reasonText of a job's record.
func jobReason(rec *uploader.JobRecord) string { return reasonText(rec.Code, rec.Reason) }

// noteText is one of the engine's notes (noteKeys) in the customer's
// language, or note itself when Hoist does not know it (a failure reason
// from a journal written before the codes, say).
func noteText(note string) string { return lookUp(notePatterns, note) }

// problemText is the reason an entry was not sent (uploader.Problem) in
// the customer's language, or reason itself when Hoist does not know it
// (a system error's own text, say).
func problemText(reason string) string { return lookUp(problemPatterns, reason) }
