using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cybernet.Web.Signaling;

/// <summary>Signaling: the session hub, its ICE servers and TURN credentials, its size and rate limits, its readable errors.</summary>
public static class SignalingExtensions
{
    private const string HubPath = "/hubs/session";

    public static IHostApplicationBuilder AddSignaling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IceOptions>().BindConfiguration(IceOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IceServers>();
        builder.Services.AddScoped<ContactDirectory>();
        builder.Services.AddSignalR(o =>
        {
            // Room for the largest signal we accept plus framing; bigger frames are refused by SignalR itself.
            o.MaximumReceiveMessageSize = SignalRules.MaxFrameBytes;
            o.AddFilter<UserErrorFilter>();
        });
        return builder;
    }

    public static WebApplication MapSignaling(this WebApplication app)
    {
        app.MapHub<SessionHub>(HubPath, o =>
        {
            o.CloseOnAuthenticationExpiration = true;
            // WebSockets only: the browser skips negotiation (one request per connect, no sticky sessions behind a load
            // balancer) and no node keeps long-polling or server-sent-events buffers for anyone.
            o.Transports = HttpTransportType.WebSockets;
        });
        return app;
    }
}
