package mockcloud

// vpcModels are the VPC module's security group rules (one rule per resource, each with its
// own sgr- id).
var vpcModels = map[string]synthFunc{
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": withEC2ID("sgr", "security-group-rule"),
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   withEC2ID("sgr", "security-group-rule"),
}
