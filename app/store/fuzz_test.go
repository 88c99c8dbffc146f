package store

import (
	"net/url"
	"testing"
)

func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "category=chairs&sort=price_asc&limit=10", "min_price=5&max_price=1", "cursor=eyJzIjoibmV3ZXN0IiwiaSI6MTB9",
		"brand=%27%20OR%201%3D1--", "in_stock=maybe", "limit=-1", "sort=name&cursor=%00", "category=a&category=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseListQuery(v)
		if err != nil {
			if k := KindOf(err); k != KindInvalid && k != KindMalformed {
				t.Fatalf("parse error outside the vocabulary: %v", err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > MaxLimit {
			t.Fatalf("accepted limit %d", q.Limit)
		}
		if q.MinPrice != nil && q.MaxPrice != nil && *q.MinPrice > *q.MaxPrice {
			t.Fatal("accepted inverted price range")
		}
		if q.After != nil && q.After.Sort != q.Sort {
			t.Fatal("accepted a cursor of another sort")
		}
		switch q.Sort {
		case SortNewest, SortPriceAsc, SortPriceDesc, SortName:
		default:
			t.Fatalf("accepted sort %q", q.Sort)
		}
		_ = q.CacheKey()
	})
}

func FuzzParseSearchQuery(f *testing.F) {
	for _, s := range []string{"q=desk", "q=%27%3B%20DROP%20TABLE%20products", "q=a&cursor=eyJzIjoicmVsZXZhbmNlIiwibyI6OTk5OX0", "q=&limit=5", "q=x&in_stock=true&category=desks"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseSearchQuery(v)
		if err != nil {
			if k := KindOf(err); k != KindInvalid && k != KindMalformed {
				t.Fatalf("parse error outside the vocabulary: %v", err)
			}
			return
		}
		if q.Text == "" || q.Offset < 0 || q.Offset+q.Limit > MaxSearchOffset {
			t.Fatalf("accepted %+v", q)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(Cursor{Sort: SortPriceAsc, ID: 5, Price: 100}.Encode())
	f.Add("not base64!")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s, SortPriceAsc)
		if err != nil {
			return
		}
		if c.Sort != SortPriceAsc || c.ID < 0 {
			t.Fatalf("accepted %+v", c)
		}
		if again, err := DecodeCursor(c.Encode(), SortPriceAsc); err != nil || *again != *c {
			t.Fatalf("cursor does not round-trip: %+v %v", again, err)
		}
	})
}

// The admin list parsers never panic, answer only classified errors, and what they accept
// is within bounds.
func FuzzParseAdminQueries(f *testing.F) {
	for _, s := range []string{"status=paid&from=2026-01-01&to=2026-02-01T00:00:00Z&customer=a%40b.example&limit=5",
		"customer=42", "customer=-1", "state=draft&limit=3", "state=other", "email=%25_%5C", "action=POST%20%2Fapi&actor=7", "cursor=eyJzIjoiYXVkaXQiLCJpIjo1fQ", "from=2026-13-01", "limit=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		classified := func(err error) {
			if k := KindOf(err); err != nil && k != KindInvalid && k != KindMalformed {
				t.Fatalf("parse error outside the vocabulary: %v", err)
			}
		}
		if q, err := ParseOrderQuery(v); err == nil {
			if q.Limit < 1 || q.Limit > MaxLimit || q.BeforeID < 0 || q.UserID < 0 || q.From != nil && q.To != nil && !q.From.Before(*q.To) {
				t.Fatalf("accepted out-of-bounds order query %+v", q)
			}
		} else {
			classified(err)
		}
		if q, err := ParseUserQuery(v); err == nil {
			if q.Limit < 1 || q.Limit > MaxLimit || len(q.Email) > 254 {
				t.Fatalf("accepted out-of-bounds user query %+v", q)
			}
		} else {
			classified(err)
		}
		if q, err := ParseProductQuery(v); err == nil {
			if q.Limit < 1 || q.Limit > MaxLimit || q.BeforeID < 0 {
				t.Fatalf("accepted out-of-bounds product query %+v", q)
			}
		} else {
			classified(err)
		}
		if q, err := ParseAuditQuery(v); err == nil {
			if q.Limit < 1 || q.Limit > MaxLimit || q.ActorID < 0 {
				t.Fatalf("accepted out-of-bounds audit query %+v", q)
			}
		} else {
			classified(err)
		}
	})
}
