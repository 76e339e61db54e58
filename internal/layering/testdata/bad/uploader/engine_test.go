package uploader

// Test files may import what they like.
import _ "github.com/aws/aws-sdk-go-v2/aws"
