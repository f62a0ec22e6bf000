// The API reference page: Swagger UI reading the served OpenAPI document (no inline script: CSP).
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: false, // its links sit inside the toggle button (nested-interactive)
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
