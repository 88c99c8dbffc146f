package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

// ConsumeOutbox hands up to limit events after the consumer's position to fn and advances the
// position when fn succeeds. The consumer's offset row stays locked meanwhile, so replicas
// running the same consumer take turns instead of processing events twice.
func (d *DB) ConsumeOutbox(ctx context.Context, consumer string, limit int, fn func(context.Context, []store.Event) error) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO outbox_offsets (consumer, tx_id, id) VALUES ($1, '0', 0) ON CONFLICT DO NOTHING", consumer); err != nil {
			return err
		}
		var txID string
		var id int64
		if err := tx.QueryRow(ctx, "SELECT tx_id::text, id FROM outbox_offsets WHERE consumer = $1 FOR UPDATE", consumer).Scan(&txID, &id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, tx_id::text, topic, key, payload, created_at FROM outbox
			WHERE (tx_id, id) > ($1::xid8, $2) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
			ORDER BY tx_id, id LIMIT $3`, txID, id, limit)
		if err != nil {
			return err
		}
		var events []store.Event
		for rows.Next() {
			var e store.Event
			if err := rows.Scan(&e.ID, &e.Position, &e.Topic, &e.Key, &e.Payload, &e.CreatedAt); err != nil {
				rows.Close()
				return err
			}
			events = append(events, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		if err := fn(ctx, events); err != nil {
			return err
		}
		last := events[len(events)-1]
		n = len(events)
		_, err = tx.Exec(ctx, "UPDATE outbox_offsets SET tx_id = $2::xid8, id = $3, updated_at = now() WHERE consumer = $1", consumer, last.Position, last.ID)
		return err
	})
	return n, mapErr(err)
}

// ResetOutboxConsumer moves a consumer to the end of the outbox (used before a full re-index,
// which makes the events before it redundant).
func (d *DB) ResetOutboxConsumer(ctx context.Context, consumer string) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO outbox_offsets (consumer, tx_id, id)
		SELECT $1, coalesce(max(tx_id), '0'::xid8), coalesce(max(id), 0) FROM outbox
		WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())
		ON CONFLICT (consumer) DO UPDATE SET tx_id = excluded.tx_id, id = excluded.id, updated_at = now()`, consumer)
	return mapErr(err)
}
