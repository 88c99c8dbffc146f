package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"globalstack/app/postgres"
	"globalstack/app/store"
	"globalstack/tests/testenv"
)

// asUser returns dsn with another user and password.
func asUser(t *testing.T, dsn, user, password string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, password)
		return u.String()
	}
	return dsn + " user=" + user + " password=" + password
}

// uniqueRole: roles belong to the whole server, which the tests share.
func uniqueRole(t *testing.T, owner *postgres.DB) string {
	t.Helper()
	var name string
	if err := owner.Pool().QueryRow(context.Background(), "SELECT 'app_' || substr(md5(random()::text), 1, 10)").Scan(&name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		id := pgx.Identifier{name}.Sanitize()
		_, _ = owner.Pool().Exec(ctx, "DROP OWNED BY "+id)
		_, _ = owner.Pool().Exec(ctx, "DROP ROLE IF EXISTS "+id)
	})
	return name
}

func pgErrCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestBootstrapGivesTheAppUserWhatItNeedsAndNoMore(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	owner, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close) // runs after the role is dropped (cleanups run last-in first-out)
	appUser := uniqueRole(t, owner)

	first, err := owner.Bootstrap(ctx, appUser)
	if err != nil {
		t.Fatal(err)
	}
	if !first.RoleCreated || len(first.Migrations) == 0 || first.RDSIAM {
		t.Fatalf("first run %+v: want the role created, migrations applied, no rds_iam on plain PostgreSQL", first)
	}
	second, err := owner.Bootstrap(ctx, appUser)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if second.RoleCreated || len(second.Migrations) != 0 {
		t.Fatalf("second run %+v: want nothing new", second)
	}
	// On RDS the role would log in with IAM tokens; plain PostgreSQL needs a password.
	if _, err := owner.Pool().Exec(ctx, "ALTER ROLE "+pgx.Identifier{appUser}.Sanitize()+" PASSWORD 'app-secret'"); err != nil {
		t.Fatal(err)
	}
	// A table a later migration creates is covered by the default privileges.
	if _, err := owner.Pool().Exec(ctx, "CREATE TABLE later_table (id bigserial PRIMARY KEY, v text)"); err != nil {
		t.Fatal(err)
	}

	app, err := postgres.Open(ctx, asUser(t, dsn, appUser, "app-secret"), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var who string
	if err := app.Pool().QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != appUser {
		t.Fatalf("connected as %q (%v), want %q", who, err, appUser)
	}
	// MIGRATE_ON_START with everything applied is a no-op the app user may run.
	if applied, err := app.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("migrate as app user: %v %v", applied, err)
	}

	// The repository operations the app performs.
	p, err := app.CreateProduct(ctx, store.ProductInput{SKU: ptr("BOOT-1"), Name: ptr("Boot"), Price: &store.Money{Amount: 1500, Currency: "USD"},
		Category: ptr("misc"), Brand: ptr("Acme"), Stock: ptr(5)})
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	u, err := app.CreateUser(ctx, store.User{Email: "boot@example.com", Name: "Boot", Role: store.RoleCustomer, PasswordHash: "h"})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	placed, err := placeOrder(app, store.NewOrder{UserID: u.ID, IdempotencyKey: "boot-1", RequestHash: "h", Status: store.StatusPaid, PaymentRef: "ch",
		Items: []store.OrderItem{{ProductID: p.ID, SKU: p.SKU, Name: p.Name, UnitPrice: p.Price, Quantity: 2}}, Total: store.Money{Amount: 3000, Currency: "USD"},
		ShippingAddress: store.Address{Name: "Boot", Line1: "x", City: "y", PostalCode: "1", Country: "US"}})
	if err != nil {
		t.Fatalf("place order: %v", err)
	}
	if _, _, err := app.UpdateOrder(ctx, placed.Order.ID, func(o *store.Order, now time.Time) (store.OrderUpdate, error) {
		return o.Transition(store.StatusCancelled, now)
	}); err != nil {
		t.Fatalf("cancel order: %v", err)
	}
	if got, err := app.GetProduct(ctx, p.ID); err != nil || got.Stock != 5 {
		t.Fatalf("stock after cancel %d (%v), want 5", got.Stock, err)
	}
	if _, err := app.SeedProducts(ctx, 3, 1); err != nil {
		t.Fatalf("seed (COPY): %v", err)
	}
	if _, err := app.ConsumeOutbox(ctx, "test", 100, func(context.Context, []store.Event) error { return nil }); err != nil {
		t.Fatalf("consume outbox: %v", err)
	}
	if err := app.Maintain(ctx, 24*3600e9, 7*24*3600e9); err != nil {
		t.Fatalf("maintain: %v", err)
	}
	if _, err := app.Pool().Exec(ctx, "INSERT INTO later_table (v) VALUES ('x')"); err != nil {
		t.Fatalf("default privileges on a later table: %v", err)
	}

	// And nothing beyond rows: no roles, no DDL, no privilege changes.
	for _, stmt := range []string{
		"CREATE ROLE intruder LOGIN SUPERUSER",
		"CREATE ROLE intruder",
		"CREATE TABLE intruder (id int)",
		"DROP TABLE products",
		"ALTER TABLE products ADD COLUMN intruder int",
		"TRUNCATE orders",
		"CREATE SCHEMA intruder",
		"CREATE DATABASE intruder",
		"ALTER ROLE CURRENT_USER CREATEROLE",
	} {
		_, err := app.Pool().Exec(ctx, stmt)
		if code := pgErrCode(err); code != "42501" {
			t.Errorf("%s as the app user: %v (code %q), want permission denied (42501)", stmt, err, code)
		}
	}
}

func TestBootstrapRefusesAPrivilegedOrInvalidAppUser(t *testing.T) {
	ctx := context.Background()
	owner, err := postgres.Open(ctx, testenv.Postgres(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	appUser := uniqueRole(t, owner)
	if _, err := owner.Pool().Exec(ctx, "CREATE ROLE "+appUser+" LOGIN CREATEROLE"); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Bootstrap(ctx, appUser); err == nil || !strings.Contains(err.Error(), "CREATEROLE") {
		t.Fatalf("privileged app user accepted: %v", err)
	}
	for _, name := range []string{"", "Storefront", "app; DROP TABLE products", strings.Repeat("a", 64)} {
		if _, err := owner.Bootstrap(ctx, name); err == nil || !strings.Contains(err.Error(), "lower-case SQL identifier") {
			t.Errorf("app user %q: %v", name, err)
		}
	}
	var self string
	if err := owner.Pool().QueryRow(ctx, "SELECT current_user").Scan(&self); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Bootstrap(ctx, self); err == nil || !strings.Contains(err.Error(), "owner") {
		t.Errorf("bootstrap for the connected user itself: %v", err)
	}
}
