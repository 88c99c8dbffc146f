package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"globalstack/app/store"
)

// maxAuditBody is the largest request body kept in an audit entry's details.
const maxAuditBody = 4 << 10

// auditAdmin records every successful admin write (any method but GET and HEAD) in the audit
// log: the admin, the route as its template (action), the resource and id from the path or,
// for a creation, from the response, and the request body when it is small JSON. The entry is
// written after the action; a failure to write it is logged as an error.
func (a *API) auditAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead || a.Audit == nil {
			return next(c)
		}
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return err
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		rec := &idRecorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		if err := next(c); err != nil {
			return err
		}
		if st := c.Response().Status; st < 200 || st >= 300 {
			return nil
		}
		route := strings.TrimPrefix(c.Path(), "/api/admin/")
		target, _, _ := strings.Cut(route, "/")
		id := c.Param("id")
		if id == "" {
			id = rec.id()
		}
		details := map[string]any{"status": c.Response().Status}
		if len(body) > 0 && len(body) <= maxAuditBody && json.Valid(body) {
			details["request"] = json.RawMessage(body)
		}
		d, _ := json.Marshal(details)
		e := store.AuditEntry{ActorID: claims(c).UserID, Action: r.Method + " " + c.Path(), TargetType: target, TargetID: id, Details: d}
		if err := a.Audit.Audit(r.Context(), e); err != nil {
			a.log.Error("audit entry not written", "request_id", requestID(c), "action", e.Action, "target_id", id, "err", err)
		}
		return nil
	}
}

// idRecorder keeps the start of a response so that a creation's new id can be audited.
type idRecorder struct {
	http.ResponseWriter
	head []byte
}

func (w *idRecorder) Write(b []byte) (int, error) {
	if len(w.head) < maxAuditBody {
		w.head = append(w.head, b[:min(len(b), maxAuditBody-len(w.head))]...)
	}
	return w.ResponseWriter.Write(b)
}

func (w *idRecorder) id() string {
	var v struct {
		ID json.Number `json:"id"`
	}
	if json.Unmarshal(w.head, &v) != nil {
		return ""
	}
	return v.ID.String()
}

func (a *API) adminListOrders(c echo.Context) error {
	q, err := store.ParseOrderQuery(c.QueryParams())
	if err != nil {
		return err
	}
	page, err := a.Admin.SearchOrders(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (a *API) adminListUsers(c echo.Context) error {
	q, err := store.ParseUserQuery(c.QueryParams())
	if err != nil {
		return err
	}
	page, err := a.Admin.ListUsers(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (a *API) adminSetDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if disabled && id == claims(c).UserID {
			return store.ErrDisableSelf
		}
		u, err := a.Admin.SetDisabled(c.Request().Context(), id, disabled)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, u)
	}
}

func (a *API) adminAudit(c echo.Context) error {
	q, err := store.ParseAuditQuery(c.QueryParams())
	if err != nil {
		return err
	}
	page, err := a.Audit.ListAudit(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// facets serves GET /api/categories and /api/brands.
func (a *API) facets(column string) echo.HandlerFunc {
	return func(c echo.Context) error {
		fs, err := a.Admin.Facets(c.Request().Context(), column)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=60")
		return c.JSON(http.StatusOK, map[string]any{"items": fs})
	}
}

func (a *API) adminSetReviewHidden(hidden bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		r, err := a.Reviews.SetHidden(c.Request().Context(), id, hidden)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, r)
	}
}

func (a *API) adminHiddenReviews(c echo.Context) error {
	limit, before, err := pageParams(c, "hidden_reviews")
	if err != nil {
		return err
	}
	page, err := a.Reviews.Repo.ListHiddenReviews(c.Request().Context(), limit, before)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (a *API) adminListProducts(c echo.Context) error {
	q, err := store.ParseProductQuery(c.QueryParams())
	if err != nil {
		return err
	}
	page, err := a.Admin.AdminListProducts(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}
