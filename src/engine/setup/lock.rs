//! One setup per cluster: an advisory lock file per cluster in the state directory, held for
//! the whole run and released by the OS when the process ends (also on a crash or kill -9).
//! A second `tilink setup` for the same cluster waits for it (or fails at once with
//! `--no-wait`), so that it plans after the first one finished and adopts what it made
//! instead of building a second chain.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct ClusterLock {
    file: File,
    path: PathBuf,
}

/// Why the lock could not be taken now.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("another tilink setup for this cluster is running ({holder}; lock {path})")]
    Busy {
        /// What the holder wrote: pid and setup id.
        holder: String,
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be made or read.
    #[error("cannot use the lock file {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The lock file of a cluster in `dir` (`JournalStore::lock_dir`, beside the journals, so a
/// sandbox's private store never waits on a real setup): `cluster-<id>.lock`, the id reduced
/// to a safe name.
pub fn lock_path(dir: &Path, cluster_id: &str) -> PathBuf {
    let safe: String = cluster_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    dir.join(format!("cluster-{safe}.lock"))
}

fn open(path: &Path) -> Result<File, LockError> {
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(io)
}

fn holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.rewind();
    let _ = file.take(200).read_to_string(&mut s);
    let s = s.trim().to_string();
    if s.is_empty() {
        "another process".to_string()
    } else {
        s
    }
}

impl ClusterLock {
    /// Takes the lock now, or says who holds it.
    pub fn try_acquire(state_dir: &Path, cluster_id: &str) -> Result<ClusterLock, LockError> {
        let path = lock_path(state_dir, cluster_id);
        let mut file = open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(ClusterLock { file, path }.noted("")),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
                holder: holder(&mut file),
                path,
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(LockError::Io { path, source }),
        }
    }

    /// Waits until the lock is free, then takes it (off the async runtime's threads).
    pub async fn acquire(state_dir: &Path, cluster_id: &str) -> Result<ClusterLock, LockError> {
        let path = lock_path(state_dir, cluster_id);
        let file = open(&path)?;
        let p = path.clone();
        let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| LockError::Io {
                path: p.clone(),
                source: std::io::Error::other(e.to_string()),
            })?
            .map_err(|source| LockError::Io { path: p, source })?;
        Ok(ClusterLock { file, path }.noted(""))
    }

    /// Writes who holds the lock (pid and setup id) for a waiting run to show.
    pub fn noted(mut self, setup_id: &str) -> Self {
        let text = if setup_id.is_empty() {
            format!("pid {}", std::process::id())
        } else {
            format!("pid {}, setup {setup_id}", std::process::id())
        };
        let _ = self.file.set_len(0);
        let _ = self.file.rewind();
        let _ = self.file.write_all(text.as_bytes());
        let _ = self.file.flush();
        self
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_and_the_waiter_gets_it_after() {
        let dir = tempfile::tempdir().unwrap();
        let first = ClusterLock::try_acquire(dir.path(), "123")
            .unwrap()
            .noted("tl-aa");
        match ClusterLock::try_acquire(dir.path(), "123") {
            Err(LockError::Busy { holder, .. }) => {
                assert!(holder.contains("setup tl-aa"), "{holder}")
            }
            other => panic!("{other:?}"),
        }
        // Another cluster is independent.
        let _other = ClusterLock::try_acquire(dir.path(), "456").unwrap();
        let waiter = tokio::spawn({
            let d = dir.path().to_path_buf();
            async move { ClusterLock::acquire(&d, "123").await.map(|_| ()) }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!waiter.is_finished(), "the waiter did not wait");
        drop(first);
        waiter.await.unwrap().unwrap();
    }

    #[test]
    fn hostile_cluster_ids_stay_in_the_lock_directory() {
        let p = lock_path(Path::new("/s"), "../../etc/passwd");
        assert_eq!(p, Path::new("/s/cluster-etcpasswd.lock"));
    }
}
