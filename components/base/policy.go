package base

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Statement is one IAM/KMS policy statement. Resources and Principal may hold outputs (ARNs
// of resources created in the same program), which is why this is not a plain struct.
type Statement struct {
	Sid       string
	Deny      bool
	Principal pulumi.Input // e.g. pulumi.Map{"Service": pulumi.String("logs.amazonaws.com")}
	Actions   []string
	Resources pulumi.StringArrayInput
	Condition pulumi.Input // e.g. pulumi.Map{"StringEquals": pulumi.Map{...}}
}

// PolicyDocument renders statements as an IAM policy JSON document.
func PolicyDocument(stmts ...Statement) pulumi.StringOutput {
	list := pulumi.Array{}
	for _, s := range stmts {
		effect := "Allow"
		if s.Deny {
			effect = "Deny"
		}
		m := pulumi.Map{"Effect": pulumi.String(effect), "Action": pulumi.ToStringArray(s.Actions)}
		if s.Sid != "" {
			m["Sid"] = pulumi.String(s.Sid)
		}
		if s.Principal != nil {
			m["Principal"] = s.Principal
		}
		if s.Resources != nil {
			m["Resource"] = s.Resources
		}
		if s.Condition != nil {
			m["Condition"] = s.Condition
		}
		list = append(list, m)
	}
	return pulumi.JSONMarshal(pulumi.Map{"Version": pulumi.String("2012-10-17"), "Statement": list})
}

// ServicePrincipal is the Principal of a statement for an AWS service.
func ServicePrincipal(service string) pulumi.Map {
	return pulumi.Map{"Service": pulumi.String(service)}
}

// AccountPrincipal is the Principal naming an account's root (delegation to its IAM policies).
func AccountPrincipal(accountID string) pulumi.Map {
	return pulumi.Map{"AWS": pulumi.String("arn:aws:iam::" + accountID + ":root")}
}

// Strings turns plain strings into a StringArrayInput.
func Strings(s ...string) pulumi.StringArrayInput { return pulumi.ToStringArray(s) }
