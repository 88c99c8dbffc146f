package storefront

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// pod is what differs between the storefront's pods, the app's Deployment and the
// db-bootstrap Job; podSpec adds what they share.
type pod struct {
	serviceAccount string
	// secretProviderClass is mounted at /mnt/secrets: mounting it is what makes the CSI
	// driver fetch the pod's secrets and sync them into its Kubernetes Secret.
	secretProviderClass string
	// tmpSize bounds the memory-backed /tmp (the root filesystem is read-only).
	tmpSize string
	// container names the container and sets its args, env, resources, ports and probes.
	container corev1.ContainerArgs
}

// podSpec runs p's single container from the storefront image, with the "restricted" Pod
// Security settings, no Kubernetes API credentials, a memory-backed /tmp and the pod's
// secrets volume.
func (b *builder) podSpec(p pod) *corev1.PodSpecArgs {
	c := p.container
	c.Image = b.s.Image
	c.ImagePullPolicy = pulumi.String("IfNotPresent")
	c.SecurityContext = containerSecurity()
	c.VolumeMounts = corev1.VolumeMountArray{
		corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")},
		corev1.VolumeMountArgs{Name: pulumi.String("secrets"), MountPath: pulumi.String("/mnt/secrets"), ReadOnly: pulumi.Bool(true)},
	}
	return &corev1.PodSpecArgs{
		ServiceAccountName: pulumi.String(p.serviceAccount),
		// The IRSA webhook mounts its own projected token; the pod needs no Kubernetes API
		// credentials.
		AutomountServiceAccountToken: pulumi.Bool(false),
		SecurityContext:              podSecurity(),
		Containers:                   corev1.ContainerArray{c},
		Volumes: corev1.VolumeArray{
			corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{Medium: pulumi.String("Memory"), SizeLimit: pulumi.String(p.tmpSize)}},
			corev1.VolumeArgs{Name: pulumi.String("secrets"), Csi: &corev1.CSIVolumeSourceArgs{
				Driver:           pulumi.String("secrets-store.csi.k8s.io"),
				ReadOnly:         pulumi.Bool(true),
				VolumeAttributes: pulumi.StringMap{"secretProviderClass": pulumi.String(p.secretProviderClass)},
			}},
		},
	}
}

// podSecurity and containerSecurity are the "restricted" Pod Security settings every
// storefront pod runs with.
func podSecurity() *corev1.PodSecurityContextArgs {
	return &corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(UID),
		RunAsGroup:     pulumi.Int(UID),
		FsGroup:        pulumi.Int(UID),
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func containerSecurity() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		RunAsNonRoot:             pulumi.Bool(true),
		RunAsUser:                pulumi.Int(UID),
		RunAsGroup:               pulumi.Int(UID),
		AllowPrivilegeEscalation: pulumi.Bool(false),
		ReadOnlyRootFilesystem:   pulumi.Bool(true),
		Privileged:               pulumi.Bool(false),
		Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func envVar(name string, value pulumi.StringInput) corev1.EnvVarArgs {
	return corev1.EnvVarArgs{Name: pulumi.String(name), Value: value}
}

// commonEnv is the environment every storefront pod shares: the log level and the
// PostgreSQL connection (libpq variables) as pgUser.
func (b *builder) commonEnv(pgUser string) corev1.EnvVarArray {
	a := b.a
	return corev1.EnvVarArray{
		envVar("LOG_LEVEL", pulumi.String(a.LogLevel)),
		envVar("PGHOST", a.Database.Host),
		envVar("PGPORT", pulumi.Sprintf("%d", a.Database.Port)),
		envVar("PGUSER", pulumi.String(pgUser)),
		envVar("PGDATABASE", pulumi.String(a.Database.Name)),
		envVar("PGSSLMODE", pulumi.String(a.PGSSLMode)),
	}
}

// secretEnv takes each of refs from the Kubernetes Secret the pod's SecretProviderClass
// syncs into.
func secretEnv(secretName string, refs []secretRef) corev1.EnvVarArray {
	var env corev1.EnvVarArray
	for _, r := range refs {
		env = append(env, corev1.EnvVarArgs{
			Name: pulumi.String(r.key),
			ValueFrom: &corev1.EnvVarSourceArgs{SecretKeyRef: &corev1.SecretKeySelectorArgs{
				Name: pulumi.String(secretName),
				Key:  pulumi.String(r.key),
			}},
		})
	}
	return env
}
