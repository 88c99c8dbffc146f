package mockcloud

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A resource type the mock cloud has no model for fails the program that registers it,
// naming the type, instead of planning with outputs that merely echo its inputs.
func TestUnmodelledTypeFailsTheProgram(t *testing.T) {
	c := New("globalstack", "test")
	err := c.Run(func(ctx *pulumi.Context) error {
		var res pulumi.CustomResourceState
		return ctx.RegisterResource("aws:sagemaker/domain:Domain", "x", pulumi.Map{"domainName": pulumi.String("x")}, &res)
	}, map[string]string{"aws:region": "eu-west-1"})
	// The error crosses the mock engine's RPC boundary as text.
	if err == nil || !strings.Contains(err.Error(), ErrUnmodelled{Type: "aws:sagemaker/domain:Domain"}.Error()) {
		t.Fatalf("registering an unmodelled type: err = %v, want an error naming aws:sagemaker/domain:Domain", err)
	}
	for _, r := range c.Resources() {
		if r.Type == "aws:sagemaker/domain:Domain" {
			t.Fatal("the unmodelled resource was recorded in the plan")
		}
	}
}

func TestPlainTypesHaveNoSynthesizer(t *testing.T) {
	for typ, why := range plainTypes {
		if _, ok := synthesizers[typ]; ok {
			t.Errorf("%s is listed as plain (%s) but has a synthesizer", typ, why)
		}
		if why == "" {
			t.Errorf("%s is listed as plain without a reason", typ)
		}
	}
}
