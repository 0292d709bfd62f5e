using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cybernet.Benchmarks;

/// <summary>
/// A baseline for what one SignalR connection costs on its own: an ASP.NET Core server with one hub that does nothing
/// but answer, WebSockets only as ours. Started by the memory benchmark as its own process (`bare-hub-server --urls ...`).
/// </summary>
public static class BareHubServer
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<BareHub>("/hubs/session", o => o.Transports = HttpTransportType.WebSockets);
        app.MapGet("/health", () => "ok");
        await app.RunAsync();
    }

    /// <summary>One method, so a client can tell that its connection is fully set up on the server.</summary>
    public sealed class BareHub : Hub
    {
        public string WhoAmI() => Context.ConnectionId;
    }
}
