using System.Net;

using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Testing;

/// <summary>Connections to the session hub made as the browser makes them: straight to a WebSocket, no negotiation.</summary>
public static class SessionHubClient
{
    public static HubConnection Build(Uri web, CookieContainer cookies) => new HubConnectionBuilder()
        .WithUrl(new Uri(web, "/hubs/session"), HttpTransportType.WebSockets, o =>
        {
            o.Cookies = cookies;
            o.SkipNegotiation = true;
        })
        .Build();
}
