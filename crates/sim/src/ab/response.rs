//! What ab gets back from the simulated site: the status, its headers and body bytes, as the
//! balancer or the app (gunicorn behind HAProxy) would send them.

/// How a response ended, as ab sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// 200 from the application
    Ok,
    /// 503 from the balancer: no server could take it (HAProxy's errorfile)
    ServiceUnavailable,
    /// 502 from the balancer: the server died holding it
    BadGateway,
    /// 500 from the application (its session store was down)
    InternalServerError,
}

/// The simulated site's document.
pub const DOCUMENT_PATH: &str = "/";

pub const HOSTNAME: &str = "app.scalelab.test";

pub const PORT: u16 = 80;

pub const SERVER_SOFTWARE: &str = "gunicorn";

/// Bytes of the page every 200 carries.
pub const DOCUMENT_BYTES: u64 = 2_048;

/// HAProxy 2.x/3.x built-in error pages (`http_err_msgs`), and Flask's default 500 page.
pub(super) const BODY_503: &str =
    "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";

pub(super) const BODY_502: &str =
    "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n";

pub(super) const BODY_500: &str = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n";

impl Response {
    /// How many kinds there are (the last variant's index + 1).
    pub(super) const KINDS: usize = Response::InternalServerError as usize + 1;

    pub fn is_2xx(self) -> bool {
        self == Response::Ok
    }

    /// Body bytes.
    pub fn body_bytes(self) -> u64 {
        match self {
            Response::Ok => DOCUMENT_BYTES,
            Response::ServiceUnavailable => BODY_503.len() as u64,
            Response::BadGateway => BODY_502.len() as u64,
            Response::InternalServerError => BODY_500.len() as u64,
        }
    }

    /// The status line and headers, as the bytes ab reads.
    pub fn head(self, keepalive: bool) -> String {
        let connection = if keepalive && self.is_2xx() { "keep-alive" } else { "close" };
        match self {
            Response::Ok => format!(
                "HTTP/1.1 200 OK\r\nServer: {SERVER_SOFTWARE}\r\nDate: Sat, 28 Nov 2026 00:00:00 GMT\r\nConnection: {connection}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {DOCUMENT_BYTES}\r\n\r\n"
            ),
            Response::ServiceUnavailable | Response::BadGateway => format!(
                "HTTP/1.1 {}\r\ncontent-length: {}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n",
                if self == Response::BadGateway { "502 Bad Gateway" } else { "503 Service Unavailable" },
                self.body_bytes()
            ),
            Response::InternalServerError => format!(
                "HTTP/1.1 500 INTERNAL SERVER ERROR\r\nServer: {SERVER_SOFTWARE}\r\nDate: Sat, 28 Nov 2026 00:00:00 GMT\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                self.body_bytes()
            ),
        }
    }
}
