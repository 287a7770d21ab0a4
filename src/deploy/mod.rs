//! Preparing and updating a central store as a checked transaction (`gpforge store`).
