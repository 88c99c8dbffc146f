// Package search creates the OpenSearch domain of one region of a cell, inside the VPC.
//
// Always on: zone awareness over 3 zones (2 when only 2 subnets are given; extra subnets are
// not used); 3 dedicated master nodes; encryption at rest with the given customer-managed key;
// node-to-node encryption; HTTPS only with the TLS 1.2+ policy
// "Policy-Min-TLS-1-2-PFS-2023-10"; fine-grained access control with an internal master user
// whose 32-character password comes from pulumi-random and is kept in a Secrets Manager secret
// "<DomainName>/search/master" encrypted with SecretsKeyArn (only ever a Pulumi secret);
// anonymous access off; index slow, search slow, application and audit logs published to CloudWatch
// log groups "/aws/opensearch/<DomainName>/..." encrypted with LogsKeyArn, through a
// CloudWatch Logs resource policy that lets es.amazonaws.com write only to those groups, for
// this account and this domain; a security group admitting TCP 443 only from
// AppSecurityGroupID, with no egress; gp3 EBS volumes.
//
// Access policy: the domain is created without one (IAM then admits only principals of the
// account whose own policy allows es:ESHttp* on it; fine-grained access control and the
// security group still apply). AllowRoles, called once the roles exist, sets the policy that
// allows es:ESHttp* on this domain to exactly those roles (never "*") as a separate
// aws:opensearch/domainPolicy:DomainPolicy: OpenSearch refuses a policy naming a role IAM
// does not know yet, and the roles that call the domain are created after it.
//
// Defaults: automated snapshots at 01:00 UTC; InstanceCount 0 means one per zone used.
//
// Prerequisite outside this component: the account's OpenSearch service-linked role
// (AWSServiceRoleForAmazonOpenSearchService), which AWS needs to place a domain in a VPC; it
// exists once per account, so a stack cannot own it.
//
// Refuses: an unknown region; a domain name OpenSearch would reject (3-28 lowercase letters,
// digits and hyphens, starting with a letter); an engine version that is not
// "OpenSearch_<major>.<minor>"; an instance count that is not a positive multiple of the zones
// used; instance types that are not "*.search"; a volume outside 10-16384 GiB; a log
// retention CloudWatch does not accept; fewer than 2 subnets or a zone list that does not match
// them; a missing VPC, application security group or key. AllowRoles refuses no role, or a
// role that is not an IAM role ARN or has a wildcard.
//
// Settings (the keys of globalstack:search, their limits and the Prod and Dev presets) are
// defined, preset and validated once, by package search/settings (which imports no SDK, so the
// stack configuration and the DR failover tool read it alone); the README's table is generated
// from them (make docs). A zero field of Args.Settings takes the Prod preset.
package search
