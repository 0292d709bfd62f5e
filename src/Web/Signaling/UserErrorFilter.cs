using Microsoft.AspNetCore.SignalR;

namespace Cybernet.Web.Signaling;

/// <summary>Turns rule violations from grains into errors the caller can read; the connection stays up.</summary>
public sealed class UserErrorFilter : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (ContactRuleException ex)
        {
            throw new HubException(ex.Message);
        }
        catch (CallRefusedException ex)
        {
            throw new HubException(ex.Message);
        }
    }
}
