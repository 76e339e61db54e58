// Package tools imports the composition root.
package tools

import _ "bad/app"
