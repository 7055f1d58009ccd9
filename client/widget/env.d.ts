// Vite's client types, for the `?inline` CSS import that puts the widget's styles inside its shadow root.
/// <reference types="vite/client" />
