// Starts GraphiQL against this server. Every URL is relative to the page
// (served at .../graphql), so the IDE talks to the endpoint that served it,
// also behind a proxy that mounts Frontdesk under a path. The page's styles
// are set here through the DOM rather than in a style attribute or element,
// which the content-security policy would refuse.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  document.body.style.margin = '0';
  root.style.height = '100vh';
  root.textContent = '';

  // /graphql?query=...&variables=... opens with that operation, so a link
  // can share one.
  var params = new URLSearchParams(window.location.search);
  var props = {
    fetcher: GraphiQL.createFetcher({ url: 'graphql' }),
    defaultEditorToolsVisibility: true,
  };
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
