// Package storefront deploys the storefront API onto a cell's EKS cluster.
//
// What it creates: a namespace (Pod Security "restricted" enforced); an IAM role with the
// explicit name RoleName, assumable only by the storefront's service account through the
// cluster's OIDC provider (IRSA), allowed to read exactly the storefront's secrets and to
// decrypt with exactly SecretsKeyArn through Secrets Manager (plus HTTP access to the search
// domain when one is given); a random TOKEN_SECRET stored in Secrets Manager under that key;
// a Deployment; a ClusterIP Service; an Ingress for the AWS Load Balancer Controller (an
// internet-facing ALB in the public subnets with IP targets); a HorizontalPodAutoscaler on
// CPU; a PodDisruptionBudget; and a NetworkPolicy.
//
// How secrets reach pods: a SecretProviderClass of the Secrets Store CSI driver names the
// Secrets Manager secrets (database master, cache AUTH token, search master user, token
// secret). Each pod mounts it with its own IRSA role, and the driver syncs the values into one
// Kubernetes Secret, which the cluster envelope-encrypts with its KMS key; containers get
// PGPASSWORD, REDIS_PASSWORD, OPENSEARCH_USERNAME/PASSWORD and TOKEN_SECRET from that Secret.
// No secret value passes through stack config or Pulumi state.
//
// Pods: run as UID/GID 65532, non-root, read-only root filesystem (a memory-backed /tmp),
// no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no Kubernetes
// API token mounted; resource requests and limits; liveness on GET /healthz and readiness on
// GET /readyz; spread across zones (and hosts). PostgreSQL is reached with PGSSLMODE
// require (or verify-full), Redis over TLS (rediss://), OpenSearch over HTTPS.
//
// Network policy: ingress only to the HTTP port; egress only to the data subnets on 5432,
// 6379 and 443, and to the cluster DNS on 53. Enforced by the VPC CNI's network-policy agent.
//
// Ingress: only /api is routed; /healthz, /readyz and /metrics stay inside the cluster.
// With a Domain, the ALB gets an HTTPS-only listener (TLS 1.2+) with an ACM certificate for
// "origin.<Domain>" in the cell's region, validated in ZoneID, and origin.<Domain> points at
// the ALB: that is the name the edge connects to over HTTPS. Without a Domain there is no
// certificate to present, so the ALB listens on HTTP only; that mode is for trial stacks.
//
// Defaults: namespace "storefront", 3 replicas scaling to 12 at 70% CPU, requests 250m/256Mi,
// limits 1 CPU/512Mi, LOG_LEVEL info, PGSSLMODE require.
//
// Refuses: a missing role name, provider, OIDC provider or issuer, key, database or cache;
// an image without a pinned tag or digest (or tagged "latest"); replica bounds that are not
// 1 <= replicas <= maxReplicas; a CPU target outside 1-100; fewer than two public subnets; a
// data subnet that is not a CIDR; plain Env entries that would carry a secret
// (PGPASSWORD, REDIS_PASSWORD, TOKEN_SECRET, OPENSEARCH_PASSWORD, DATABASE_URL) or override
// the values this component sets; a Domain without a ZoneID.
package storefront
