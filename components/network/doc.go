// Package network builds the VPC of one region of a cell.
//
// Layout per availability zone, carved deterministically from the VPC range (a /16 gives):
//   - app subnet  /20, private: pods and internal load balancers; default route to a NAT gateway;
//   - data subnet /22, isolated: databases, caches, search; no route to the internet at all;
//   - public subnet /22: internet-facing load balancers and NAT gateways only; instances get no
//     public IPs automatically.
//
// Defaults: a NAT gateway per zone (SingleNatGateway trades zone independence for cost);
// VPC flow logs of all traffic to a CloudWatch log group encrypted with the given KMS key and
// kept FlowLogRetentionDays; an S3 gateway endpoint on the app and data route tables and
// interface endpoints for ECR (api, dkr), STS, Secrets Manager and CloudWatch Logs in the app
// subnets, reachable on 443 from inside the VPC only; the default security group adopted and
// stripped of every rule; the application tier's group (AppSecurityGroupID) egress-only, its
// rules separate resources so other components can add theirs; tags, plus Name and tier, on
// everything taggable. InterfaceEndpointCIDRs names the subnets the interface endpoints live
// in, for NetworkPolicies.
//
// Refuses: a range that is not private RFC 1918 IPv4, smaller than /20 or larger than /16;
// fewer than 2 zones, or zones outside the region; a missing flow-log key; a retention
// CloudWatch does not accept.
package network
