//! Child processes of a control plane: output to a log file, killed on drop, and killed by the kernel
//! when the test binary exits (a control plane shared through a `static` is never dropped).

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use crate::Error;

/// A running child process; killed and reaped on drop.
#[derive(Debug)]
pub struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `command` with stdout and stderr appended to `log`.
    pub fn spawn(name: &'static str, mut command: Command, log: &Path) -> Result<Self, Error> {
        let io = |source| Error::Io {
            path: log.to_path_buf(),
            source,
        };
        let out = File::create(log).map_err(io)?;
        let err = out.try_clone().map_err(io)?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = spawn_from_supervisor(command).map_err(|source| Error::Io {
            path: PathBuf::from(name),
            source,
        })?;
        Ok(Self {
            name,
            child,
            log: log.to_path_buf(),
        })
    }

    /// An error when the process has exited, with the end of its log.
    pub fn check_running(&mut self) -> Result<(), Error> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(Error::Exited {
                name: self.name,
                status: status.to_string(),
                log_tail: self.log_tail(),
            }),
            Err(source) => Err(Error::Io {
                path: PathBuf::from(self.name),
                source,
            }),
        }
    }

    /// The last lines of the process's output, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(25);
        lines.get(start..).unwrap_or_default().join("\n")
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Kills and reaps the process now (idempotent).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port that was free a moment ago (envtest does the same; a lost race shows as the
/// process exiting with "address already in use").
pub fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|source| Error::Io {
        path: PathBuf::from("127.0.0.1:0"),
        source,
    })?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| Error::Io {
            path: PathBuf::from("127.0.0.1:0"),
            source,
        })
}

type SpawnRequest = (Command, mpsc::Sender<std::io::Result<Child>>);

/// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, and test threads exit
/// after each test: so every child is forked by one thread that lives as long as the process.
fn spawn_from_supervisor(command: Command) -> std::io::Result<Child> {
    static SUPERVISOR: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let sender = SUPERVISOR.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        let _ = std::thread::Builder::new()
            .name("kube-testenv-supervisor".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(spawn_dying_with_parent(&mut command));
                }
            });
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    let gone = || std::io::Error::other("kube-testenv supervisor thread is gone");
    sender
        .lock()
        .map_err(|_| gone())?
        .send((command, reply_tx))
        .map_err(|_| gone())?;
    reply_rx.recv().map_err(|_| gone())?
}

#[allow(unsafe_code)]
fn spawn_dying_with_parent(command: &mut Command) -> std::io::Result<Child> {
    // SAFETY: between fork and exec only async-signal-safe calls are allowed; prctl is one.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    command.spawn()
}
