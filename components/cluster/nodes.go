package cluster

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

func (b *builder) nodeGroup(deps []pulumi.Resource) (*eks.NodeGroup, error) {
	ctx, name, a := b.ctx, b.name, b.args
	role, err := iam.NewRole(ctx, name+"-nodes", &iam.RoleArgs{
		Description: pulumi.Sprintf("Worker nodes of %s", a.ClusterName),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("ec2.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
		}),
		Tags: b.tags(),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	var attachments []pulumi.Resource
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"} {
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-nodes-"+p, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + p),
		}, b.opts()...)
		if err != nil {
			return nil, err
		}
		attachments = append(attachments, att)
	}
	b.c.NodeRoleArn = role.Arn
	lt, err := ec2.NewLaunchTemplate(ctx, name+"-nodes", &ec2.LaunchTemplateArgs{
		Description: pulumi.Sprintf("Nodes of %s: IMDSv2 only, encrypted root volume", a.ClusterName),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
			InstanceMetadataTags:    pulumi.String("disabled"),
		},
		// Listing groups here replaces the ones EKS would attach, so the cluster group
		// (control plane <-> nodes) is named explicitly next to the application tier's.
		VpcSecurityGroupIds: pulumi.StringArray{b.c.ClusterSecurityGroupID, a.NodeSecurityGroupID},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(a.DiskSizeGiB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{ec2.LaunchTemplateTagSpecificationArgs{
			ResourceType: pulumi.String("instance"),
			Tags:         b.tags("Name", a.ClusterName+"-node"),
		}},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 b.tags(),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	minSize, desired := a.NodeMin, a.NodeDesired
	if a.PilotLight {
		minSize, desired = 0, 0
	}
	ng, err := eks.NewNodeGroup(ctx, name, &eks.NodeGroupArgs{
		ClusterName:   b.c.Name,
		NodeRoleArn:   role.Arn,
		SubnetIds:     a.SubnetIDs,
		AmiType:       pulumi.String("AL2023_x86_64_STANDARD"),
		CapacityType:  pulumi.String("ON_DEMAND"),
		InstanceTypes: pulumi.ToStringArray(a.InstanceTypes),
		ScalingConfig: &eks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(minSize),
			DesiredSize: pulumi.Int(desired),
			MaxSize:     pulumi.Int(a.NodeMax),
		},
		UpdateConfig: &eks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		LaunchTemplate: &eks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: pulumi.Sprintf("%d", lt.LatestVersion),
		},
		Labels: pulumi.StringMap{"globalstack/tier": pulumi.String("app")},
		Tags:   b.tags(),
	}, b.opts(pulumi.DependsOn(append(attachments, deps...)))...)
	if err != nil {
		return nil, err
	}
	b.c.NodeGroupName = ng.NodeGroupName
	return ng, nil
}
