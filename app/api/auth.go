package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"globalstack/app/store"
)

const (
	cookieSession     = "sf_session"
	cookieCart        = "sf_cart"
	headerCartSession = "X-Cart-Session"
	ctxClaims         = "claims"
)

// errAuthScheme answers an Authorization header that is not "Bearer <token>" (RFC 6750
// section 2.1): a bare token or another scheme is refused rather than guessed at.
var errAuthScheme = &store.Error{Kind: store.KindUnauthenticated, Code: "unauthenticated",
	Message: `send the session token as "Authorization: Bearer <token>"`}

// bearer returns the session token of the request: the Authorization header's bearer token,
// else the session cookie; "" when there is none.
func bearer(c echo.Context) (string, error) {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			if tok := strings.TrimSpace(h[7:]); tok != "" {
				return tok, nil
			}
		}
		return "", errAuthScheme
	}
	if ck, err := c.Cookie(cookieSession); err == nil {
		return ck.Value, nil
	}
	return "", nil
}

// auth requires a valid token from the Authorization header or the session cookie, of an
// account that still exists and is enabled.
func (a *API) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, err := bearer(c)
		if err != nil {
			return err
		}
		if tok == "" {
			return store.ErrUnauthenticated
		}
		return a.authenticate(c, tok, next)
	}
}

// optionalAuth identifies the user when credentials are sent (anonymous carts otherwise).
func (a *API) optionalAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, err := bearer(c)
		if err != nil {
			return err
		}
		if tok != "" {
			return a.authenticate(c, tok, next)
		}
		return next(c)
	}
}

// authenticate reads the account on every request, so a deleted or disabled account's token
// stops working at once and a demoted admin loses the role at once.
func (a *API) authenticate(c echo.Context, tok string, next echo.HandlerFunc) error {
	u, sid, err := a.Accounts.Authenticate(c.Request().Context(), tok)
	if err != nil {
		return err
	}
	c.Set(ctxClaims, store.Claims{UserID: u.ID, Role: u.Role, SessionID: sid})
	return next(c)
}

// admin requires the admin role as the account has it now (authenticate read it).
func (a *API) admin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if claims(c).Role != store.RoleAdmin {
			return store.ErrForbidden
		}
		return next(c)
	}
}

func claims(c echo.Context) store.Claims {
	cl, _ := c.Get(ctxClaims).(store.Claims)
	return cl
}

func (a *API) setSessionCookie(c echo.Context, token string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: cookieSession, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

func (a *API) register(c echo.Context) error {
	var r store.Registration
	if err := DecodeJSON(c.Request(), &r); err != nil {
		return err
	}
	u, err := a.Accounts.Register(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (a *API) login(c echo.Context) error {
	var cr store.Credentials
	if err := DecodeJSON(c.Request(), &cr); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, token, err := a.Accounts.Login(ctx, cr, sessionMeta(c))
	if err != nil {
		return err
	}
	if sid := a.cartSession(c); sid != "" && a.Carts != nil {
		if err := a.Carts.Merge(ctx, sid, u.ID); err != nil {
			a.log.Warn("cart merge at login failed", "request_id", requestID(c), "err", err)
		} else {
			c.SetCookie(&http.Cookie{Name: cookieCart, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		}
	}
	a.setSessionCookie(c, token, int(a.Tokens.TTL().Seconds()))
	return c.JSON(http.StatusOK, map[string]any{"token": token, "token_type": "Bearer", "expires_in": int(a.Tokens.TTL().Seconds()), "user": u})
}

func sessionMeta(c echo.Context) store.SessionMeta {
	return store.SessionMeta{UserAgent: c.Request().UserAgent(), IP: c.RealIP()}
}

// logout ends the session of the request's token, if any, and clears the cookie.
func (a *API) logout(c echo.Context) error {
	if tok, err := bearer(c); err == nil && tok != "" {
		if err := a.Accounts.Logout(c.Request().Context(), tok); err != nil {
			return err
		}
	}
	a.setSessionCookie(c, "", -1)
	return c.NoContent(http.StatusNoContent)
}

func (a *API) listSessions(c echo.Context) error {
	cl := claims(c)
	ss, err := a.Accounts.ListSessions(c.Request().Context(), cl.UserID, cl.SessionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": ss})
}

func (a *API) revokeSession(c echo.Context) error {
	cl := claims(c)
	if err := a.Accounts.RevokeSession(c.Request().Context(), cl.UserID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) me(c echo.Context) error {
	u, err := a.Users.GetUser(c.Request().Context(), claims(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (a *API) updateMe(c echo.Context) error {
	var p store.ProfileUpdate
	if err := DecodeJSON(c.Request(), &p); err != nil {
		return err
	}
	u, err := a.Accounts.UpdateProfile(c.Request().Context(), claims(c).UserID, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (a *API) changePassword(c echo.Context) error {
	var p store.PasswordChange
	if err := DecodeJSON(c.Request(), &p); err != nil {
		return err
	}
	cl := claims(c)
	if err := a.Accounts.ChangePassword(c.Request().Context(), cl.UserID, cl.SessionID, p); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// requestPasswordReset answers 202 whether or not the email has an account.
func (a *API) requestPasswordReset(c echo.Context) error {
	var r store.ResetRequest
	if err := DecodeJSON(c.Request(), &r); err != nil {
		return err
	}
	if err := a.Accounts.RequestPasswordReset(c.Request().Context(), r); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "if the address has an account, a reset link was sent to it"})
}

func (a *API) confirmPasswordReset(c echo.Context) error {
	var r store.ResetConfirm
	if err := DecodeJSON(c.Request(), &r); err != nil {
		return err
	}
	if err := a.Accounts.ConfirmPasswordReset(c.Request().Context(), r); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) verifyEmail(c echo.Context) error {
	var t store.EmailToken
	if err := DecodeJSON(c.Request(), &t); err != nil {
		return err
	}
	if err := a.Accounts.VerifyEmail(c.Request().Context(), t); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) resendVerification(c echo.Context) error {
	if err := a.Accounts.SendVerification(c.Request().Context(), claims(c).UserID); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// exportMe answers the caller's data as a JSON download.
func (a *API) exportMe(c echo.Context) error {
	out, err := a.Privacy.Export(c.Request().Context(), claims(c).UserID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="my-data.json"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// deleteMe erases the caller's account and clears the session cookie.
func (a *API) deleteMe(c echo.Context) error {
	var d store.AccountDeletion
	if err := DecodeJSON(c.Request(), &d); err != nil {
		return err
	}
	if err := a.Privacy.Delete(c.Request().Context(), claims(c).UserID, d); err != nil {
		return err
	}
	a.setSessionCookie(c, "", -1)
	return c.NoContent(http.StatusNoContent)
}
