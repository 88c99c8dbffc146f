package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"globalstack/app/store"
)

// pathID parses a positive integer path parameter.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.Invalid(name, "%s must be a positive integer", name)
	}
	return id, nil
}

func pageParams(c echo.Context, kind store.Sort) (limit int, before int64, err error) {
	limit = store.DefaultLimit
	if s := c.QueryParam("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > store.MaxLimit {
			return 0, 0, store.Invalid("limit", "limit must be an integer from 1 to %d", store.MaxLimit)
		}
	}
	if s := c.QueryParam("cursor"); s != "" {
		cur, err := store.DecodeCursor(s, kind)
		if err != nil {
			return 0, 0, err
		}
		before = cur.ID
	}
	return limit, before, nil
}

func (a *API) listProducts(c echo.Context) error {
	q, err := store.ParseListQuery(c.QueryParams())
	if err != nil {
		return err
	}
	b, err := a.Catalog.ListJSON(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}

func (a *API) getProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := a.Catalog.ProductJSON(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}

func (a *API) search(c echo.Context) error {
	q, err := store.ParseSearchQuery(c.QueryParams())
	if err != nil {
		return err
	}
	b, err := a.Catalog.SearchJSON(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}

func (a *API) listReviews(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, before, err := pageParams(c, "reviews")
	if err != nil {
		return err
	}
	page, err := a.Reviews.Repo.ListReviews(c.Request().Context(), id, limit, before)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (a *API) postReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.ReviewInput
	if err := DecodeJSON(c.Request(), &in); err != nil {
		return err
	}
	r, err := a.Reviews.Post(c.Request().Context(), id, claims(c).UserID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (a *API) deleteReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cl := claims(c) // the role as the account has it now (authenticate read it)
	if err := a.Reviews.Delete(c.Request().Context(), id, cl.UserID, cl.Role == store.RoleAdmin); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- cart ---

// cartSession returns the anonymous cart id of the request (X-Cart-Session header, else the
// sf_cart cookie) when the server issued it, "" otherwise.
func (a *API) cartSession(c echo.Context) string {
	if id, ok := a.Tokens.CartSession(c.Request().Header.Get(headerCartSession)); ok {
		return id
	}
	if ck, err := c.Cookie(cookieCart); err == nil {
		if id, ok := a.Tokens.CartSession(ck.Value); ok {
			return id
		}
	}
	return ""
}

// cartOwner returns the cart key: the user's cart when logged in, else the anonymous session's,
// issuing a session when create is set and the request has none the server issued.
func (a *API) cartOwner(c echo.Context, create bool) (string, error) {
	if a.Carts == nil {
		return "", store.ErrCartUnavailable
	}
	if cl := claims(c); cl.UserID > 0 {
		return store.UserCart(cl.UserID), nil
	}
	id := a.cartSession(c)
	if id == "" {
		if !create {
			return "", nil
		}
		session := a.Tokens.NewCartSession()
		id, _ = a.Tokens.CartSession(session)
		c.SetCookie(&http.Cookie{Name: cookieCart, Value: session, Path: "/", MaxAge: int(a.cfg.CartTTL.Seconds()),
			HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		c.Response().Header().Set(headerCartSession, session)
	} else {
		c.Response().Header().Set(headerCartSession, a.sentCartSession(c))
	}
	return store.AnonCartPrefix + id, nil
}

// sentCartSession is the valid session value the request carried, to echo it back.
func (a *API) sentCartSession(c echo.Context) string {
	if s := c.Request().Header.Get(headerCartSession); s != "" {
		if _, ok := a.Tokens.CartSession(s); ok {
			return s
		}
	}
	ck, _ := c.Cookie(cookieCart)
	return ck.Value
}

func (a *API) getCart(c echo.Context) error {
	owner, err := a.cartOwner(c, false)
	if err != nil {
		return err
	}
	if owner == "" {
		return c.JSON(http.StatusOK, store.CartView{Items: []store.CartLine{}, Subtotal: []store.Money{}, Valid: true})
	}
	v, err := a.Carts.View(c.Request().Context(), owner)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (a *API) addCartItem(c echo.Context) error {
	owner, err := a.cartOwner(c, true)
	if err != nil {
		return err
	}
	var l store.LineRequest
	if err := DecodeJSON(c.Request(), &l); err != nil {
		return err
	}
	v, err := a.Carts.Add(c.Request().Context(), owner, l)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (a *API) setCartItem(c echo.Context) error {
	owner, err := a.cartOwner(c, true)
	if err != nil {
		return err
	}
	id, err := pathID(c, "product_id")
	if err != nil {
		return err
	}
	var body struct {
		Quantity  *int         `json:"quantity"`
		UnitPrice *store.Money `json:"unit_price"`
	}
	if err := DecodeJSON(c.Request(), &body); err != nil {
		return err
	}
	if body.Quantity == nil {
		return store.Invalid("quantity", "quantity is required")
	}
	v, err := a.Carts.Set(c.Request().Context(), owner, id, *body.Quantity, body.UnitPrice)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (a *API) removeCartItem(c echo.Context) error {
	owner, err := a.cartOwner(c, false)
	if err != nil {
		return err
	}
	id, err := pathID(c, "product_id")
	if err != nil {
		return err
	}
	if owner == "" {
		return store.NotFound("cart item", id)
	}
	v, err := a.Carts.Set(c.Request().Context(), owner, id, 0, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (a *API) clearCart(c echo.Context) error {
	owner, err := a.cartOwner(c, false)
	if err != nil {
		return err
	}
	if owner != "" {
		if err := a.Carts.Clear(c.Request().Context(), owner); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusNoContent)
}

// --- orders ---

func (a *API) checkout(c echo.Context) error {
	var req store.CheckoutRequest
	if err := DecodeJSON(c.Request(), &req); err != nil {
		return err
	}
	res, err := a.Orders.Checkout(c.Request().Context(), claims(c).UserID, c.Request().Header.Get("Idempotency-Key"), req)
	if err != nil {
		return err
	}
	if res.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSONBlob(http.StatusCreated, res.Body)
}

func (a *API) listOrders(c echo.Context) error {
	limit, before, err := pageParams(c, "orders")
	if err != nil {
		return err
	}
	page, err := a.Orders.Repo.ListOrders(c.Request().Context(), claims(c).UserID, limit, before)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (a *API) getOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := a.Orders.Get(c.Request().Context(), claims(c).UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (a *API) cancelOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := a.Orders.Cancel(c.Request().Context(), claims(c).UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// --- admin ---

func (a *API) createProduct(c echo.Context) error {
	var in store.ProductInput
	if err := DecodeJSON(c.Request(), &in); err != nil {
		return err
	}
	p, err := a.Catalog.CreateProduct(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (a *API) updateProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in store.ProductInput
	if err := DecodeJSON(c.Request(), &in); err != nil {
		return err
	}
	p, err := a.Catalog.UpdateProduct(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (a *API) deleteProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.Catalog.DeleteProduct(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) adjustStock(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		Delta *int `json:"delta"`
	}
	if err := DecodeJSON(c.Request(), &body); err != nil {
		return err
	}
	if body.Delta == nil {
		return store.Invalid("delta", "delta is required (a positive or negative integer)")
	}
	p, err := a.Catalog.AdjustStock(c.Request().Context(), id, *body.Delta)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (a *API) adminGetOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := a.Orders.Repo.GetOrder(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (a *API) setOrderStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		Status string `json:"status"`
	}
	if err := DecodeJSON(c.Request(), &body); err != nil {
		return err
	}
	st, err := store.ParseStatus(body.Status)
	if err != nil {
		return err
	}
	o, err := a.Orders.SetStatus(c.Request().Context(), id, st)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}
