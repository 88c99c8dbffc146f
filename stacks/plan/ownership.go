package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"globalstack/components/regions"
	"globalstack/internal/pulumifiles"
	"globalstack/stacks/config"
)

// AccountPieces are the baseline's pieces AWS allows once per account; RegionPieces once per
// account and region (see components/baseline/settings).
var (
	AccountPieces = []string{"IAM password policy", "account S3 public access block"}
	RegionPieces  = []string{"GuardDuty detector", "Security Hub account", "AWS Config recorder and delivery channel",
		"Inspector enabler", "IAM Access Analyzer", "EBS encryption by default"}
)

// StackOwnership is what one stack says about the account(s) and regions it deploys into and
// which baseline pieces it owns.
type StackOwnership struct {
	Stack    string
	Accounts []string // aws:allowedAccountIds
	// Region is the stack's own region; Uses are the regions it has resources in (a cell's
	// edge uses us-east-1), which some stack of the account must own.
	Region      string
	Uses        []string
	OwnsAccount bool
	OwnsRegion  bool
}

// Ownership reads each stack's ownership from its stack file.
func Ownership(root string, stacks []string) ([]StackOwnership, error) {
	var out []StackOwnership
	for _, s := range stacks {
		raw, err := pulumifiles.LoadConfig(root, config.Project, s)
		if err != nil {
			return nil, err
		}
		c, err := config.Parse(s, config.Map(raw))
		if err != nil {
			return nil, err
		}
		o := StackOwnership{Stack: s, Accounts: c.AccountIDs, Region: c.Region(), Uses: []string{c.Region()},
			OwnsAccount: c.Baseline.Account, OwnsRegion: c.Baseline.Region}
		if c.Role == config.RoleCell && c.Region() != regions.Global {
			o.Uses = append(o.Uses, regions.Global) // CloudFront, its WAF and certificate
		}
		out = append(out, o)
	}
	return out, nil
}

// CheckOwnership cross-checks the baseline ownership of stacks: two stacks of one account
// that both own the account-wide pieces, or two stacks of one account and region that both
// own the region's pieces, are errors naming both stacks and the piece (both would create
// the same account- or region-wide resource, and the second deploy fails or takes it over).
// An account, or an account and region a stack uses, that no stack owns is a warning, as is
// a stack that does not declare its account.
func CheckOwnership(stacks []StackOwnership) (errs []string, warnings []string) {
	accountOwner := map[string]string{}
	regionOwner := map[[2]string]string{}
	used := map[[2]string][]string{}
	for _, s := range stacks {
		if len(s.Accounts) == 0 {
			warnings = append(warnings, fmt.Sprintf("stack %s declares no %s: its baseline ownership is not cross-checked", s.Stack, config.AllowedAccountsKey))
			continue
		}
		for _, acct := range s.Accounts {
			if s.OwnsAccount {
				if prev, ok := accountOwner[acct]; ok {
					for _, piece := range AccountPieces {
						errs = append(errs, fmt.Sprintf("stacks %s and %s both own the %s of account %s (globalstack:baseline.account): exactly one stack per account may",
							prev, s.Stack, piece, acct))
					}
				} else {
					accountOwner[acct] = s.Stack
				}
			}
			if s.OwnsRegion {
				key := [2]string{acct, s.Region}
				if prev, ok := regionOwner[key]; ok {
					for _, piece := range RegionPieces {
						errs = append(errs, fmt.Sprintf("stacks %s and %s both own the %s of account %s in %s (globalstack:baseline.region): one stack per account and region may",
							prev, s.Stack, piece, acct, s.Region))
					}
				} else {
					regionOwner[key] = s.Stack
				}
			}
			for _, r := range s.Uses {
				key := [2]string{acct, r}
				if !slices.Contains(used[key], s.Stack) {
					used[key] = append(used[key], s.Stack)
				}
			}
		}
	}
	accounts := map[string][]string{}
	for key, users := range used {
		accounts[key[0]] = append(accounts[key[0]], users...)
		if _, ok := regionOwner[key]; !ok {
			warnings = append(warnings, fmt.Sprintf("no stack owns the baseline's region pieces (%s) of account %s in %s, which %s use(s): set globalstack:baseline.region on one stack of that region",
				strings.Join(RegionPieces, ", "), key[0], key[1], strings.Join(users, ", ")))
		}
	}
	for acct, users := range accounts {
		if _, ok := accountOwner[acct]; !ok {
			slices.Sort(users)
			warnings = append(warnings, fmt.Sprintf("no stack owns the account-wide baseline pieces (%s) of account %s, which %s use(s): set globalstack:baseline.account on one of them",
				strings.Join(AccountPieces, ", "), acct, strings.Join(slices.Compact(users), ", ")))
		}
	}
	sort.Strings(warnings)
	return errs, warnings
}
