package opensearch

import (
	"context"
	"fmt"
	"net/http"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/opensearch-project/opensearch-go/v2/signer"
	"github.com/opensearch-project/opensearch-go/v2/signer/awsv2"
)

// awsService is the SigV4 service name of Amazon OpenSearch Service domains.
const awsService = "es"

// newAWSSigner returns a SigV4 signer for region that takes its credentials from the default
// AWS chain. Loading the chain reads the environment and the shared files only; credentials
// (e.g. a web identity token exchanged with STS) are retrieved, cached and refreshed on use.
func newAWSSigner(ctx context.Context, region string) (signer.Signer, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("OPENSEARCH_AUTH=aws-sigv4: loading the AWS configuration: %w", err)
	}
	s, err := awsv2.NewSignerWithService(cfg, awsService)
	if err != nil {
		return nil, fmt.Errorf("OPENSEARCH_AUTH=aws-sigv4: %w", err)
	}
	return rewindingSigner{s}, nil
}

// rewindingSigner gives the signer a fresh copy of the request body before each signature.
// The transport signs a retried request before it restores the body the first attempt
// consumed, so without this a retry after a 502/503/504 or a dropped connection would be
// signed over an empty payload while carrying the full one, and AWS would reject it with 403.
type rewindingSigner struct{ signer.Signer }

func (s rewindingSigner) SignRequest(r *http.Request) error {
	if r.GetBody != nil && r.Body != nil && r.Body != http.NoBody {
		b, err := r.GetBody()
		if err != nil {
			return fmt.Errorf("rewinding the request body for signing: %w", err)
		}
		r.Body = b
	}
	return s.Signer.SignRequest(r)
}
