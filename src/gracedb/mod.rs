//! GraceDB: the typed async client, and the facts about GraceDB it and the sandbox share
//! (identifiers, categories, vocabulary, wire quirks).

pub mod category;
pub mod ids;
pub mod quirks;
pub mod vocabulary;

pub use category::Category;
pub use ids::{FileRef, GraceId, InvalidId, ObjectId, SupereventId};
