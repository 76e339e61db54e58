// Command hoist is a desktop uploader for very large files: it sends them
// to an organisation's S3 bucket as resumable parallel multipart uploads.
// With a command (send, resume, history, retry, …) it runs headless.
package main

import (
	"os"

	"hoist/app"
)

func main() { os.Exit(app.Main(os.Args)) }
