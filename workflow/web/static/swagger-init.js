// Starts Swagger UI on /docs. A file of ours, not an inline script, so that /docs keeps the
// same Content-Security-Policy as every other page; its assets come from the
// fastapi-offline package, served by this server (nothing is loaded from elsewhere).
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
