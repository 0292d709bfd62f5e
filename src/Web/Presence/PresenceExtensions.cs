namespace Cybernet.Web.Presence;

/// <summary>Presence on this node: its one observer for the user grains and the leases of the sessions it holds.</summary>
public static class PresenceExtensions
{
    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceClientOptions>().BindConfiguration(PresenceClientOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SessionObserver>();
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionRegistry>());
        return builder;
    }
}
