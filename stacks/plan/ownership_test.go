package plan_test

import (
	"strings"
	"testing"

	"globalstack/internal/pulumifiles"
	"globalstack/stacks/plan"
)

func TestProductionStacksShareOneAccountWithoutClashes(t *testing.T) {
	stacks, err := pulumifiles.Stacks("../..")
	if err != nil {
		t.Fatal(err)
	}
	owners, err := plan.Ownership("../..", stacks)
	if err != nil {
		t.Fatal(err)
	}
	errs, warnings := plan.CheckOwnership(owners)
	if len(errs)+len(warnings) > 0 {
		t.Fatalf("errors %v, warnings %v", errs, warnings)
	}
	regions, accountOwners := map[string]string{}, 0
	for _, o := range owners {
		if prev, ok := regions[o.Region]; ok {
			t.Errorf("%s and %s share %s", prev, o.Stack, o.Region)
		}
		regions[o.Region] = o.Stack
		if !o.OwnsRegion || len(o.Accounts) != 1 {
			t.Errorf("%s: owns region %v, accounts %v", o.Stack, o.OwnsRegion, o.Accounts)
		}
		if o.OwnsAccount {
			accountOwners++
		}
	}
	if accountOwners != 1 || regions["us-east-1"] == "" {
		t.Errorf("%d account owners, us-east-1 owned by %q", accountOwners, regions["us-east-1"])
	}
}

func TestDuplicateOwnersAreRefusedNamingBothStacksAndThePiece(t *testing.T) {
	acct := []string{"111122223333"}
	stacks := []plan.StackOwnership{
		{Stack: "prod-eu", Accounts: acct, Region: "eu-west-1", Uses: []string{"eu-west-1", "us-east-1"}, OwnsAccount: true, OwnsRegion: true},
		{Stack: "prod-eu-dr", Accounts: acct, Region: "eu-central-1", Uses: []string{"eu-central-1"}, OwnsRegion: true},
		{Stack: "staging-eu", Accounts: acct, Region: "eu-west-1", Uses: []string{"eu-west-1"}, OwnsAccount: true, OwnsRegion: true},
		{Stack: "prod-us", Accounts: acct, Region: "us-east-1", Uses: []string{"us-east-1"}, OwnsRegion: true},
	}
	errs, warnings := plan.CheckOwnership(stacks)
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if len(errs) != len(plan.AccountPieces)+len(plan.RegionPieces) {
		t.Fatalf("errors: %v", errs)
	}
	for _, piece := range append(append([]string{}, plan.AccountPieces...), plan.RegionPieces...) {
		found := false
		for _, e := range errs {
			found = found || (strings.Contains(e, "prod-eu and staging-eu") && strings.Contains(e, piece) && strings.Contains(e, "111122223333"))
		}
		if !found {
			t.Errorf("no error names prod-eu, staging-eu and %q: %v", piece, errs)
		}
	}
	// Other accounts do not clash.
	stacks[2].Accounts = []string{"444455556666"}
	errs, warnings = plan.CheckOwnership(stacks)
	if len(errs) != 0 || len(warnings) != 0 {
		t.Errorf("separate accounts: errors %v warnings %v", errs, warnings)
	}
}

func TestUnownedAccountsAndRegionsAreWarnedAbout(t *testing.T) {
	errs, warnings := plan.CheckOwnership([]plan.StackOwnership{
		{Stack: "prod-jp", Accounts: []string{"111122223333"}, Region: "ap-northeast-1", Uses: []string{"ap-northeast-1", "us-east-1"}, OwnsRegion: true},
		{Stack: "trial", Region: "eu-west-1", Uses: []string{"eu-west-1"}},
	})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{"account-wide baseline pieces", "of account 111122223333 in us-east-1, which prod-jp use(s)", "stack trial declares no aws:allowedAccountIds"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in:\n%s", want, all)
		}
	}
	if len(warnings) != 3 {
		t.Errorf("%d warnings:\n%s", len(warnings), all)
	}
}
