// Keeps the Radix root theme in the system's light or dark while the app starts.
//
// Reflex's RadixThemesColorModeProvider writes the resolved mode onto the root theme's
// class in an effect of its first render, when Reflex's ThemeProvider has not yet read
// the system setting and resolves "system" to "light": on a dark system the page was
// drawn light for a frame or more (about 100 ms here) before the next render put "dark"
// back. <html> has the right class from the first paint (Reflex's inline script in
// <head>). This component wraps that provider, so its effect runs right after the
// provider's, in the same task, before anything is painted: it puts <html>'s class back
// on the root theme. Later renders of the provider resolve the mode correctly.
import { useEffect } from "react";

const SCHEMES = ["light", "dark"];

export function ThemeRootSync({ children }) {
  useEffect(() => {
    const html = document.documentElement.classList;
    const scheme = SCHEMES.find((name) => html.contains(name));
    const root = document.querySelector('.radix-themes[data-is-root-theme="true"]');
    if (scheme && root) {
      root.classList.remove(...SCHEMES);
      root.classList.add(scheme);
    }
  }, []);
  return children;
}
