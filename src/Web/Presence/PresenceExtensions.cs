using Cybernet.Web.Hubs;

using Microsoft.AspNetCore.SignalR;

namespace Cybernet.Web.Presence;

/// <summary>Presence and signaling: the hub, the node's observer and its session leases.</summary>
public static class PresenceExtensions
{
    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceClientOptions>().BindConfiguration(PresenceClientOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<IceOptions>().BindConfiguration(IceOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SessionObserver>();
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionRegistry>());
        builder.Services.AddScoped<ContactDirectory>();
        builder.Services.AddSignalR(o =>
        {
            // Room for the largest signal we accept plus framing; bigger frames are refused by SignalR itself.
            o.MaximumReceiveMessageSize = SignalRules.MaxFrameBytes;
            o.AddFilter<UserErrorFilter>();
        });
        return builder;
    }

    public static WebApplication MapPresence(this WebApplication app)
    {
        app.MapHub<SessionHub>("/hubs/session", o => o.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
