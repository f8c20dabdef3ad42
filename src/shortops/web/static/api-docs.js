// /docs: Swagger UI on the OpenAPI document. A signed-in browser may call the API without a
// token: its session cookie goes along, and every change carries the page's CSRF token.
(function () {
  "use strict";
  var csrf = document.currentScript.dataset.csrf || "";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: function (request) {
      if (csrf) {
        request.headers["X-CSRF-Token"] = csrf;
      }
      request.credentials = "same-origin";
      return request;
    },
  });
})();
