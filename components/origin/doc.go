// Package origin is the regional entry point of a cell: the internet-facing Application Load
// Balancer the edge (CloudFront) connects to, and everything that makes it safe to expose.
//
// What it creates (loadbalancer.go, securitygroups.go, dns.go, waf.go):
//   - the load balancer in the public subnets, dropping invalid header fields, deletion
//     protected in the prod preset, with access logs in an SSE-S3 (the only encryption ELB
//     log delivery supports), versioned, TLS-only, public-blocked bucket of the same region,
//     whose policy admits the region's documented ELB log writer (one table, elbLogAccounts);
//   - two security groups: HTTPS (HTTP without a domain) from CloudFront's origin-facing
//     prefix list only, and, with a failover record, HTTPS from the region's Route 53 health
//     checkers; plus the rule admitting the first group to the pods' port on the nodes' group;
//   - an "ip" target group for the pods (health check on HealthCheckPath), which the
//     storefront's TargetGroupBinding fills; listeners forwarding RoutedPaths only: HTTPS with
//     the origin certificate and TLSPolicy (TLS 1.3/1.2) and HTTP redirecting to it, or, with
//     no domain, HTTP;
//   - the origin certificate for origin.<domain> (and the failover name) with its DNS
//     validation records, the origin alias record and, with a FailoverRole, the health check
//     and the failover alias record the edge's API origin resolves;
//   - a REGIONAL web ACL (AWS managed Common, KnownBadInputs and SQLi rule groups, a per-IP
//     rate rule) associated with the load balancer, logging to aws-waf-logs-<prefix>-origin
//     in the cell's region, encrypted with the cell's log key;
//   - with Settings.ShieldAdvanced, a Shield Advanced protection of the load balancer (the
//     subscription itself is the account's: USD 3,000 a month plus data).
//
// The component declares the flows it needs (CloudFront and the health checkers to the load
// balancer) and exposes LoadBalancer, the selector the storefront's flow to its pods names.
package origin
