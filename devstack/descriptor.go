package devstack

import (
	"encoding/json"
	"fmt"
)

// DescriptorFileName is the organisation descriptor `make devstack` writes
// into the dev stack directory; the provider serves it at
// <issuer>/.well-known/hoist.json.
const DescriptorFileName = "hoist.json"

// DevDescriptor is an organisation descriptor for a dev or test stack: what
// a customer's Hoist fetches when they type the provider's address in the
// connect screen. Empty optional fields are left out (Hoist's defaults).
type DevDescriptor struct {
	Name                         string
	S3Endpoint, Region, Bucket   string
	KeyPrefix                    string
	PartSize, RetryMaxWait       string // optional
	Issuer, ClientID             string
	RoleARN, STSEndpoint         string
	ParallelFiles, ParallelParts int // optional
	// StaffGroups and CustomersPrefix fill the [support] table (optional).
	StaffGroups     []string
	CustomersPrefix string
	RequestPoll     string // optional
}

// JSON renders d in the descriptor format (hoist_format 1).
func (d DevDescriptor) JSON() []byte {
	upload := map[string]any{"key_prefix": d.KeyPrefix}
	if d.PartSize != "" {
		upload["part_size"] = d.PartSize
	}
	if d.RetryMaxWait != "" {
		upload["retry_max_wait"] = d.RetryMaxWait
	}
	if d.ParallelFiles > 0 {
		upload["parallel_files"] = d.ParallelFiles
	}
	if d.ParallelParts > 0 {
		upload["parallel_parts"] = d.ParallelParts
	}
	doc := map[string]any{
		"hoist_format": 1,
		"organisation": map[string]any{"name": d.Name},
		"s3":           map[string]any{"endpoint": d.S3Endpoint, "region": d.Region, "bucket": d.Bucket, "path_style": true},
		"upload":       upload,
		"signin":       map[string]any{"issuer": d.Issuer, "client_id": d.ClientID, "role_arn": d.RoleARN, "sts_endpoint": d.STSEndpoint},
	}
	if len(d.StaffGroups) > 0 || d.CustomersPrefix != "" || d.RequestPoll != "" {
		support := map[string]any{}
		if len(d.StaffGroups) > 0 {
			support["staff_groups"] = d.StaffGroups
		}
		if d.CustomersPrefix != "" {
			support["customers_prefix"] = d.CustomersPrefix
		}
		if d.RequestPoll != "" {
			support["request_poll"] = d.RequestPoll
		}
		doc["support"] = support
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("devstack: encode descriptor: %v", err)) // only plain values above
	}
	return append(b, '\n')
}

// WriteDescriptor writes d to path atomically (mode 0644: it holds no
// secret).
func WriteDescriptor(path string, d DevDescriptor) error {
	if err := writeFileAtomic(path, d.JSON(), 0o644); err != nil {
		return fmt.Errorf("write descriptor: %w", err)
	}
	return nil
}
