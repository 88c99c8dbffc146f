// Package storefront deploys the storefront API onto a cell's EKS cluster.
//
// What it creates: a namespace (Pod Security "restricted" enforced); an IAM role with the
// explicit name RoleName, assumable only by the storefront's service account through the
// cluster's OIDC provider (IRSA), allowed to read exactly the cache and token secrets and to
// decrypt with exactly SecretsKeyArn through Secrets Manager, to log in to PostgreSQL as
// storefront_app (rds-db:connect on exactly
// arn:aws:rds-db:<region>:<account>:dbuser:<Database.ResourceID>/storefront_app, the account
// being the role's own) and, when a search domain is given, to call it over HTTP; a random
// TOKEN_SECRET stored in Secrets Manager under that key; the database bootstrap Job (below);
// a Deployment; a ClusterIP Service; a TargetGroupBinding that has the AWS Load Balancer
// Controller register the Service's pods, by IP, in the origin's target group
// (TargetGroupArn, see components/origin); a HorizontalPodAutoscaler on CPU; a
// PodDisruptionBudget; and a NetworkPolicy.
//
// How secrets reach pods: a SecretProviderClass of the Secrets Store CSI driver names the
// Secrets Manager secrets the pods need (cache AUTH token, token secret). Each pod mounts it
// with its own IRSA role, and the driver syncs the values into one Kubernetes Secret
// ("storefront-secrets"), which the cluster envelope-encrypts with its KMS key; containers get
// REDIS_PASSWORD and TOKEN_SECRET from that Secret. OpenSearch requests are signed with the
// pod's role, so no search credentials reach the pods. No secret value passes through stack
// config or Pulumi state.
//
// Database login: the pods hold no database password. They connect as storefront_app
// (PGUSER) with DATABASE_IAM_AUTH=true and AWS_REGION: the app signs an RDS IAM auth token
// with the pod's role for every new connection, over TLS (PGSSLMODE require or verify-full).
// storefront_app can read and write the storefront's rows and nothing more: no DDL, no
// roles, no privilege changes. MIGRATE_ON_START is false because it cannot create objects.
//
// Database bootstrap: a Job runs the same image as "storefront db-bootstrap --app-user
// storefront_app" with the master credentials (Database.User and the password of
// Database.SecretArn): it applies the migrations, creates storefront_app when missing, grants
// it rds_iam and the row privileges (also by default on objects later migrations create), and
// is idempotent. The Deployment depends on the Job, so every rollout (a new image replaces the
// Job) migrates first. The master password reaches only the Job: its own service account and
// IRSA role ("<RoleName>-db-bootstrap", which may read only the database master secret), its
// own SecretProviderClass syncing the password into its own Kubernetes Secret
// ("storefront-db-bootstrap"), which the driver keeps only while the Job's pod exists (the
// finished Job and its pod are deleted after 10 minutes); the app's role cannot read the master
// secret, and the app pods neither mount that SecretProviderClass nor have Kubernetes API
// credentials to read the Secret. A NetworkPolicy limits the Job's pod to PostgreSQL and DNS.
//
// Pods: run as UID/GID 65532, non-root, read-only root filesystem (a memory-backed /tmp),
// no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no Kubernetes
// API token mounted; resource requests and limits; liveness on GET /healthz and readiness on
// GET /readyz; spread across zones (and hosts). PostgreSQL is reached with PGSSLMODE
// require (or verify-full), Redis over TLS (rediss://), OpenSearch over HTTPS.
//
// Metrics: the app serves /metrics only on its own listener, METRICS_ADDR=:9090 (container
// port "metrics"; the pod template's prometheus.io/port annotation names it), never on the API
// port. Who may scrape it is Scraper: Amazon Managed Service for Prometheus's collector, whose
// ENIs sit in the cluster's subnets with the cluster security group (Scraper.CIDRs, the flow
// from Scraper.From), and an in-cluster Prometheus running as pods labelled
// app.kubernetes.io/name=prometheus in namespace "monitoring".
//
// Network policy: ingress to the HTTP port, and to the metrics port from the scrapers only; egress only to the data subnets on 5432,
// 6379 and 443, to the subnets of the VPC's interface endpoints (EndpointSubnetCIDRs) on 443
// (IRSA's STS exchange, Secrets Manager), and to the cluster DNS on 53. Enforced by the VPC
// CNI's network-policy agent.
//
// Load balancing: the load balancer, its listeners, certificate, security groups, WAF and
// records belong to components/origin, which forwards RoutedPaths (/api and /readyz, the
// latter for the Route 53 health check) to the target group; /healthz and /metrics stay
// inside the cluster. The binding carries no networking section, so the controller manages
// no security group rule: the origin declares the one admitting the load balancer on 8080.
// The flows the pods need and forbid, the load balancer's to them included (LoadBalancer),
// are declared in Flows (output "flows") for the deployability pack.
//
// Defaults: namespace "storefront", 3 replicas scaling to 12 at 70% CPU, requests 250m/256Mi,
// limits 1 CPU/512Mi, LOG_LEVEL info, PGSSLMODE require.
//
// Refuses: a missing role name (or one too long for "<RoleName>-db-bootstrap"), provider, OIDC
// provider or issuer, key, database (host, name, master user and secret, ResourceID) or cache;
// an image without a pinned tag or digest (or tagged "latest"); replica bounds that are not
// 1 <= replicas <= maxReplicas; a CPU target outside 1-100; a missing TargetGroupArn or
// LoadBalancer; a data subnet that is not a CIDR; plain Env entries that would carry a secret
// (PGPASSWORD, REDIS_PASSWORD, TOKEN_SECRET, OPENSEARCH_PASSWORD, DATABASE_URL) or override
// the values this component sets (PG*, DATABASE_IAM_AUTH, AWS_REGION, MIGRATE_ON_START, ...);
// missing or malformed EndpointSubnetCIDRs or Scraper.CIDRs; a missing Scraper.From; METRICS_ADDR in Env.
//
// Files: storefront.go (contract, Args, New and the order of the build), identity.go (IRSA
// role, token secret), image.go (ECR), workload.go (namespace, service account,
// SecretProviderClass, Deployment, Service, TargetGroupBinding), pod.go (what the app's and the
// bootstrap Job's pods share), bootstrap.go, scaling.go, networkpolicy.go (and the flows).
package storefront
