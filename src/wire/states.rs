//! Cloud states as enums, each with an `Unknown` arm that keeps a value the documents do not
//! list (as aws-sdk-rust does): the compiler sees every documented state, an undocumented one
//! is carried, shown and never mistaken for another. The values and meanings are the official
//! response models' enums (`docs/API-BEHAVIOUR.md` cites each).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a state enum whose variants are spelled on the wire as they are named, with an
/// `Unknown(String)` arm, serde as a plain string, and (after `changing:`) `is_changing`.
macro_rules! state_enum {
    (
        $(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $variant:ident ),* $(,)? }
        $( changing: $( $changing:ident )|+ )?
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vm])* $variant, )*
            /// A value the documents do not list, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => stringify!($variant), )*
                    $name::Unknown(s) => s,
                }
            }

            /// Parses the API's spelling (exact; anything else is `Unknown`).
            pub fn parse(s: &str) -> Self {
                $( if s == stringify!($variant) {
                    return $name::$variant;
                } )*
                $name::Unknown(s.to_string())
            }
        }

        $(
            impl $name {
                /// Mid-change: look again shortly (never an answer to act on).
                pub fn is_changing(&self) -> bool {
                    matches!(self, $( Self::$changing )|+)
                }
            }
        )?

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Option::<String>::deserialize(d)?.unwrap_or_default();
                Ok($name::parse(&s))
            }
        }
    };
}

state_enum! {
    /// NLB `ServerGroupStatus`.
    ServerGroupStatus {
        /// Being created.
        Creating,
        /// Settled: setup waits for this before adding the backend.
        Available,
        /// Being modified (a backend change settling).
        Configuring,
        /// Being deleted (shown by the simulator; not in the documented enum).
        Deleting,
    }
    changing: Creating | Configuring
}

state_enum! {
    /// NLB backend server `Status`.
    ServerStatus {
        /// Being added.
        Adding,
        /// Added; traffic goes to it while its health check passes.
        Available,
        /// Being modified.
        Configuring,
        /// Being removed.
        Removing,
    }
}

state_enum! {
    /// NLB `LoadBalancerStatus`.
    LoadBalancerStatus {
        /// Disabled (overdue payment or a manual stop): forwards nothing until re-enabled.
        Inactive,
        /// Up and forwarding: what setup waits for.
        Active,
        /// Being created.
        Provisioning,
        /// Being modified.
        Configuring,
        /// Creation failed.
        CreateFailed,
        /// Being deleted.
        Deleting,
        /// Deleted: a wait on it fails; a rerun creates a new one.
        Deleted,
    }
    changing: Provisioning | Configuring
}

state_enum! {
    /// NLB `ListenerStatus`.
    ListenerStatus {
        /// Being created.
        Provisioning,
        /// Started and forwarding: what setup waits for.
        Running,
        /// Being modified.
        Configuring,
        /// Being stopped.
        Stopping,
        /// Stopped (StopListener): forwards nothing, runs no health checks; setup stops on it.
        Stopped,
        /// Being started.
        Starting,
        /// Being deleted.
        Deleting,
        /// Deleted: a wait on it fails; a rerun creates a new listener.
        Deleted,
    }
    changing: Provisioning | Configuring | Starting
}

state_enum! {
    /// PrivateLink `ServiceStatus`.
    ServiceStatus {
        /// Being created.
        Creating,
        /// Being modified (after an attach or a detach).
        Pending,
        /// Ready for connections and changes: what setup waits for.
        Active,
        /// Being deleted.
        Deleting,
    }
    changing: Creating | Pending
}

state_enum! {
    /// PrivateLink `ConnectionStatus`.
    ConnectionStatus {
        /// Being modified (not "awaiting acceptance": that is `Disconnected`).
        Pending,
        /// Being accepted.
        Connecting,
        /// Accepted and serving.
        Connected,
        /// Being rejected or closed.
        Disconnecting,
        /// Not accepted (a new request with auto-accept off) or closed.
        Disconnected,
        /// Being deleted.
        Deleting,
        /// Its service was deleted.
        ServiceDeleted,
    }
    changing: Pending | Connecting | Disconnecting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_values_round_trip_and_others_are_kept() {
        for s in ["Pending", "Connecting", "Connected", "Disconnected"] {
            let v: ConnectionStatus = serde_json::from_value(serde_json::json!(s)).unwrap();
            assert!(!matches!(v, ConnectionStatus::Unknown(_)));
            assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::json!(s));
        }
        let odd: LoadBalancerStatus = serde_json::from_str("\"Migrating\"").unwrap();
        assert_eq!(odd, LoadBalancerStatus::Unknown("Migrating".into()));
        assert_eq!(odd.to_string(), "Migrating");
        let none: ServiceStatus = serde_json::from_str("null").unwrap();
        assert_eq!(none, ServiceStatus::default());
    }
}
