//! sea-orm entities: the rows as stored. They never go on the wire; the API maps them to its
//! own `Out` types, and all tenant reads go through the scoped helpers in [`crate::store`].
#![allow(missing_docs)] // generated items of the sea-orm derives

pub mod listing;
pub mod operator;
pub mod seller;
pub mod store;
pub mod supervisor;
pub mod trace_event;
pub mod trace_event_code;
