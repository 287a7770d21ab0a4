//! Loading a `PolicyDefinitions` folder (central store) and asking it questions.
