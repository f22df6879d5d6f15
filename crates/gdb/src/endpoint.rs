//! Where the stub listens, and the sockets it gets from there.
//!
//! * TCP: `PORT`, `:PORT` or `tcp::PORT` listen on the loopback address only;
//!   any other interface needs an explicit `HOST:PORT` (`0.0.0.0:1234`).
//! * `unix:PATH`: a Unix socket created with mode 0600, atomically (it is bound
//!   and chmod-ed inside a private directory, then renamed into place), replacing
//!   a stale socket at `PATH` but never another kind of file.

use rustix::fd::{AsFd, BorrowedFd};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// A listening address for the stub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

impl FromStr for Endpoint {
    type Err = String;

    fn from_str(s: &str) -> Result<Endpoint, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("unix: needs a socket path".into());
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        let s = s.strip_prefix("tcp:").unwrap_or(s);
        let port_only = s.strip_prefix(':').unwrap_or(s);
        if let Ok(port) = port_only.parse::<u16>() {
            return Ok(Endpoint::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, port))));
        }
        let addr = s
            .to_socket_addrs()
            .map_err(|e| format!("bad listen address '{s}': {e}"))?
            .next()
            .ok_or_else(|| format!("'{s}' resolves to no address"))?;
        Ok(Endpoint::Tcp(addr))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(a) => write!(f, "{a}"),
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// A bound, listening socket.
pub(crate) enum Listener {
    Tcp(TcpListener),
    Unix {
        listener: UnixListener,
        path: PathBuf,
    },
}

impl Listener {
    /// Listen on `ep`. Accepting never blocks (the watcher polls first).
    pub fn bind(ep: &Endpoint) -> io::Result<Listener> {
        let l = match ep {
            Endpoint::Tcp(addr) => {
                if addr.ip().is_unspecified() {
                    tracing::warn!(
                        "the GDB stub listens on every network interface ({addr}): anyone \
                         who can reach this machine can control the guest"
                    );
                }
                Listener::Tcp(TcpListener::bind(addr)?)
            }
            Endpoint::Unix(path) => Listener::Unix {
                listener: bind_private_unix(path)?,
                path: path.clone(),
            },
        };
        match &l {
            Listener::Tcp(t) => t.set_nonblocking(true)?,
            Listener::Unix { listener, .. } => listener.set_nonblocking(true)?,
        }
        Ok(l)
    }

    /// Where it actually listens (the port chosen for port 0).
    pub fn local_endpoint(&self) -> io::Result<Endpoint> {
        Ok(match self {
            Listener::Tcp(t) => Endpoint::Tcp(t.local_addr()?),
            Listener::Unix { path, .. } => Endpoint::Unix(path.clone()),
        })
    }

    /// Accept one pending connection, if any.
    pub fn accept(&self) -> io::Result<Stream> {
        let s = match self {
            Listener::Tcp(t) => Stream::Tcp(t.accept()?.0),
            Listener::Unix { listener, .. } => Stream::Unix(listener.accept()?.0),
        };
        s.prepare()?;
        Ok(s)
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Tcp(t) => t.as_fd(),
            Listener::Unix { listener, .. } => listener.as_fd(),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix { path, .. } = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Bind a Unix socket at `path` that only its owner can connect to, with no
/// window in which it exists with wider permissions.
fn bind_private_unix(path: &Path) -> io::Result<UnixListener> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_socket() => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ))
        }
        // A socket someone still answers on is theirs: refuse. One nobody
        // answers on was left behind by a process that died: replace it.
        Ok(_) if UnixStream::connect(path).is_ok() => {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "{} is in use: another program (a running vmgdb?) listens on it",
                    path.display()
                ),
            ))
        }
        _ => {}
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = parent.join(format!(
        ".vmgdb-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    let staged = dir.join("s");
    let bound = UnixListener::bind(&staged).and_then(|l| {
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&staged, path)?;
        Ok(l)
    });
    let _ = std::fs::remove_file(&staged);
    let _ = std::fs::remove_dir(&dir);
    bound
}

/// A connected client socket.
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// A client that stops reading its replies is dropped after this long.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

impl Stream {
    /// Blocking mode, TCP_NODELAY, and a bound on how long a write may block.
    fn prepare(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(t) => {
                t.set_nonblocking(false)?;
                t.set_nodelay(true)?;
                t.set_write_timeout(Some(WRITE_TIMEOUT))
            }
            Stream::Unix(u) => {
                u.set_nonblocking(false)?;
                u.set_write_timeout(Some(WRITE_TIMEOUT))
            }
        }
    }

    pub fn try_clone(&self) -> io::Result<Stream> {
        Ok(match self {
            Stream::Tcp(t) => Stream::Tcp(t.try_clone()?),
            Stream::Unix(u) => Stream::Unix(u.try_clone()?),
        })
    }

    pub fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
        }
    }

    pub fn shutdown(&self, how: std::net::Shutdown) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(how),
            Stream::Unix(s) => s.shutdown(how),
        };
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Stream::Tcp(t) => t.as_fd(),
            Stream::Unix(u) => u.as_fd(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_loopback() {
        let lo = |p| Endpoint::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
        assert_eq!("1234".parse::<Endpoint>().unwrap(), lo(1234));
        assert_eq!(":1234".parse::<Endpoint>().unwrap(), lo(1234));
        assert_eq!("tcp::1234".parse::<Endpoint>().unwrap(), lo(1234));
        assert_eq!(
            "0.0.0.0:99".parse::<Endpoint>().unwrap(),
            Endpoint::Tcp("0.0.0.0:99".parse().unwrap())
        );
        assert_eq!(
            "unix:/tmp/x".parse::<Endpoint>().unwrap(),
            Endpoint::Unix("/tmp/x".into())
        );
        assert!("unix:".parse::<Endpoint>().is_err());
        assert!("no-such-host-x:1".parse::<Endpoint>().is_err());
    }

    #[test]
    fn unix_sockets_are_private_and_never_clobber_files() {
        let dir = std::env::temp_dir().join(format!("vmgdb-ep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gdb.sock");
        let l = Listener::bind(&Endpoint::Unix(path.clone())).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        drop(l);
        assert!(!path.exists(), "socket removed when the listener goes");
        // A stale socket (its owner died without removing it) is replaced.
        drop(UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let l = Listener::bind(&Endpoint::Unix(path.clone())).unwrap();
        assert!(UnixStream::connect(&path).is_ok());
        // A live one is not taken over: the first listener keeps its socket.
        let e = Listener::bind(&Endpoint::Unix(path.clone())).err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse, "{e}");
        assert!(UnixStream::connect(&path).is_ok(), "still the first one's");
        drop(l);
        std::fs::write(&path, b"data").unwrap();
        assert!(Listener::bind(&Endpoint::Unix(path.clone())).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"data");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
