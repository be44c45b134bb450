// MathJax 3 settings for pymdownx.arithmatex (generic mode): typeset only the
// elements arithmatex marked, with \( \) and \[ \] delimiters. Without the
// noerrors and noundefined packages a TeX mistake (an unknown macro, a missing
// brace) shows as a visible error message, which the site test looks for.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    packages: { "[-]": ["noerrors", "noundefined"] },
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
};
