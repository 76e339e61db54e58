// Package signin breaks the sign-in rule.
package signin

import _ "github.com/aws/aws-sdk-go-v2/service/sts"
